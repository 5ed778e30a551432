// Package bundle builds what valet runs, in-process, with esbuild's Go API:
// the worker as one classic script with an external source map, and a
// Vite-style frontend (HTML entries, hashed assets, import.meta.env) that a
// Vite React project builds unchanged. Both have incremental contexts for
// `valet dev`. In dev (FrontendOptions.Hot and DepsDir), the packages the
// project imports are pre-bundled once, as Vite's deps optimizer does
// (deps.go), so that an edit rebuilds only the project's own modules.
//
// Nothing here prints: errors carry every esbuild message as
// `file:line:col: error: text` with a code frame (*Error), and results list
// the files written and read, for the caller's events and the dev watcher.
package bundle
