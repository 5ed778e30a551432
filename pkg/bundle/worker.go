package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// WorkerOptions describe one worker bundle.
type WorkerOptions struct {
	Entry      string            // absolute path of `main` (TS or JS, ESM)
	Root       string            // project dir (node_modules resolution, relative source paths in the map)
	OutDir     string            // where worker.js + worker.js.map go (relative: to Root); empty keeps them in memory
	Define     map[string]string // config `define`: identifier -> JS expression
	Alias      map[string]string // config `alias`: module -> replacement (relative to Root)
	Minify     bool
	Target     string   // default "es2024" (as wrangler)
	Conditions []string // default ["workerd", "worker", "browser"] (as wrangler)
	Tsconfig   string   // optional tsconfig path; default: the nearest tsconfig.json
	// NodeCompat leaves Node's builtins to the runtime (the nodejs_compat
	// flag): a bare `buffer` is imported as `node:buffer`.
	NodeCompat bool
	// Modules are wrangler's module rules: which files ship as modules of
	// their own beside the bundle.
	Modules ModuleOptions
	// NoBundle ships Entry as written, with the modules the rules find
	// (wrangler's no_bundle): nothing is bundled or transpiled.
	NoBundle bool
}

// WorkerResult is a built worker: one ES module for workerd, importing the
// runtime's own modules (cloudflare:*, node:*) by name, and the modules the
// module rules ship beside it.
type WorkerResult struct {
	Script    []byte
	SourceMap []byte // nil with NoBundle
	Path      string // OutDir/worker.js, empty when built in memory
	// Main is the script's module name: MainModule for a bundle; with
	// NoBundle, the entry's path below the modules' base directory.
	Main     string
	Modules  []Module // beside Main, each under its own name
	Exports  []string // the module's exports, "default" included when it has one
	Inputs   []string // absolute paths of the files that went in, for the watcher
	Warnings []Message
}

// MainModule is the bundle's module name.
const MainModule = "worker.js"

// ModulesDir is where OutDir keeps the modules beside the bundle, each at
// its name.
const ModulesDir = "modules"

// HasDefault reports whether the module has a default export.
func (r *WorkerResult) HasDefault() bool {
	for _, e := range r.Exports {
		if e == "default" {
			return true
		}
	}
	return false
}

// Worker bundles the worker once.
func Worker(opts WorkerOptions) (*WorkerResult, error) {
	c, err := NewWorkerContext(opts)
	if err != nil {
		return nil, err
	}
	defer c.Dispose()
	return c.Rebuild()
}

// WorkerContext rebuilds a worker incrementally: esbuild keeps parsed
// files between builds and re-reads only what changed.
type WorkerContext struct {
	opts      WorkerOptions
	mu        sync.Mutex // esbuild contexts are not for concurrent rebuilds
	ctx       api.BuildContext
	collector *collector
	rules     parsedRules
}

// NewWorkerContext checks the options and prepares an incremental build.
func NewWorkerContext(opts WorkerOptions) (*WorkerContext, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	target, err := parseTarget(opts.Target)
	if err != nil {
		return nil, err
	}
	if opts.NoBundle {
		return newUnbundledContext(opts, target)
	}
	coll, err := newCollector(opts.Modules, opts.Entry)
	if err != nil {
		return nil, fmt.Errorf("build worker: %w", err)
	}
	define := map[string]string{
		// As wrangler: libraries gate dev-only code on it, and a worker
		// without nodejs_compat has no `process` to read it from.
		"process.env.NODE_ENV": `"production"`,
	}
	for k, v := range opts.Define {
		define[k] = v
	}
	build := api.BuildOptions{
		EntryPoints:   []string{opts.Entry},
		AbsWorkingDir: opts.Root,
		// The script is never written by esbuild: naming it in Root makes
		// the source map's sources relative to Root, as the runtime wants.
		Outfile:        filepath.Join(opts.Root, "worker.js"),
		AllowOverwrite: true,
		Write:          false,
		Bundle:         true,
		Format:         api.FormatESModule,
		Platform:       api.PlatformBrowser, // as wrangler: only there does a package.json "browser" map apply
		MainFields:     []string{"browser", "module", "main"},
		Conditions:     opts.Conditions,
		Target:         target,
		Define:         define,
		Alias:          opts.Alias,
		Tsconfig:       opts.Tsconfig,
		// wrangler keeps names so that Durable Object classes and errors
		// keep theirs when minified.
		KeepNames:         true,
		MinifyWhitespace:  opts.Minify,
		MinifyIdentifiers: opts.Minify,
		MinifySyntax:      opts.Minify,
		Sourcemap:         api.SourceMapLinked,
		SourcesContent:    api.SourcesContentInclude,
		Metafile:          true,
		LogLevel:          api.LogLevelSilent,
		// Text, Data and wasm files are modules of their own (the module
		// rules), never inlined.
		ResolveExtensions: []string{".tsx", ".ts", ".jsx", ".js", ".mjs", ".cjs", ".mts", ".cts", ".css", ".json"},
		Plugins:           []api.Plugin{coll.plugin(opts.Entry), builtinsPlugin(opts.NodeCompat)},
	}
	ctx, ctxErr := api.Context(build)
	if ctxErr != nil {
		return nil, newError("worker", ctxErr.Errors)
	}
	return &WorkerContext{opts: opts, ctx: ctx, collector: coll, rules: coll.rules}, nil
}

func (o WorkerOptions) withDefaults() (WorkerOptions, error) {
	if o.Entry == "" {
		return o, errors.New(`build worker: no entry module: set "main" in valet.jsonc to the worker's entry file (for example "src/index.ts")`)
	}
	if o.Root == "" {
		o.Root = filepath.Dir(o.Entry)
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return o, fmt.Errorf("build worker: project dir %s: %w", o.Root, err)
	}
	o.Root = root
	if !filepath.IsAbs(o.Entry) {
		o.Entry = filepath.Join(o.Root, o.Entry)
	}
	if st, err := os.Stat(o.Entry); err != nil || st.IsDir() {
		rel := relTo(o.Root, o.Entry)
		switch {
		case err == nil:
			err = fmt.Errorf("is a directory: %w", fs.ErrInvalid)
		case errors.Is(err, fs.ErrNotExist):
			// The path is already in the message; stat's text repeats it.
			err = fmt.Errorf("no such file: %w", fs.ErrNotExist)
		}
		return o, fmt.Errorf("build worker: main %q: %w (set \"main\" in the config to the worker's entry file, or create it)", rel, err)
	}
	if o.OutDir != "" {
		if !filepath.IsAbs(o.OutDir) {
			o.OutDir = filepath.Join(o.Root, o.OutDir)
		}
		if filepath.Join(o.OutDir, "worker.js") == o.Entry {
			return o, fmt.Errorf("build worker: out dir %s would overwrite main %s: choose another output directory", o.OutDir, o.Entry)
		}
	}
	switch {
	case o.Modules.BaseDir == "":
		o.Modules.BaseDir = filepath.Dir(o.Entry)
	case !filepath.IsAbs(o.Modules.BaseDir):
		o.Modules.BaseDir = filepath.Join(o.Root, o.Modules.BaseDir)
	}
	if o.Target == "" {
		o.Target = "es2024"
	}
	if len(o.Conditions) == 0 {
		o.Conditions = []string{"workerd", "worker", "browser"}
	}
	return o, nil
}

// Rebuild bundles again, re-reading only the files that changed, and writes
// worker.js and worker.js.map to OutDir when their content changed.
func (c *WorkerContext) Rebuild() (*WorkerResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		return nil, errors.New("build worker: context already disposed")
	}
	if c.opts.NoBundle {
		return c.rebuildUnbundled()
	}
	res := c.ctx.Rebuild()
	if err := newError("worker", res.Errors); err != nil {
		return nil, err
	}
	out := &WorkerResult{Main: MainModule, Warnings: append(c.ruleWarnings(), convertMessages(res.Warnings)...)}
	for _, f := range res.OutputFiles {
		switch {
		case strings.HasSuffix(f.Path, ".js.map"):
			out.SourceMap = f.Contents
		case strings.HasSuffix(f.Path, ".js"):
			out.Script = f.Contents
		}
	}
	if out.Script == nil {
		return nil, errors.New("build worker: esbuild produced no script")
	}
	meta, err := parseMetafile(res.Metafile)
	if err != nil {
		return nil, fmt.Errorf("build worker: %w", err)
	}
	out.Inputs = meta.inputFiles(c.opts.Root)
	out.Exports = meta.entryExports()
	out.Modules = c.collector.result()
	if err := c.finish(out); err != nil {
		return nil, err
	}
	return out, nil
}

// finish checks the module names, lists the modules' files as inputs, and
// writes the result to OutDir when there is one.
func (c *WorkerContext) finish(out *WorkerResult) error {
	for _, m := range out.Modules {
		if m.Name == out.Main || strings.HasPrefix(m.Name, "__valet") {
			return fmt.Errorf("build worker: the module %s (%s) has a name valet's own modules use: rename it", m.Name, relTo(c.opts.Root, m.Path))
		}
		if m.Path != "" {
			out.Inputs = append(out.Inputs, m.Path)
		}
	}
	sort.Strings(out.Inputs)
	out.Inputs = slices.Compact(out.Inputs)
	if c.opts.OutDir == "" {
		return nil
	}
	return WriteWorker(c.opts.OutDir, out)
}

// WriteWorker writes a built worker to dir: the main module, its source
// map, the modules beside it (ModulesDir) and what a host needs to know of
// them (WorkerMetaFile). Out.Path becomes the main module's path.
func WriteWorker(dir string, out *WorkerResult) error {
	out.Path = filepath.Join(dir, MainModule)
	if _, err := writeIfChanged(out.Path, out.Script); err != nil {
		return fmt.Errorf("build worker: %w", err)
	}
	if out.SourceMap != nil {
		if _, err := writeIfChanged(out.Path+".map", out.SourceMap); err != nil {
			return fmt.Errorf("build worker: %w", err)
		}
	} else if err := os.Remove(out.Path + ".map"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("build worker: %w", err)
	}
	if err := writeModules(filepath.Join(dir, ModulesDir), out.Modules); err != nil {
		return fmt.Errorf("build worker: %w", err)
	}
	if err := WriteWorkerMeta(dir, out); err != nil {
		return fmt.Errorf("build worker: %w", err)
	}
	return nil
}

// ruleWarnings are the module rules' warnings (rules a rule shadows).
func (c *WorkerContext) ruleWarnings() []Message {
	var out []Message
	for _, w := range c.rules.warnings {
		out = append(out, Message{Text: w})
	}
	return out
}

// Dispose frees esbuild's caches; the context cannot rebuild afterwards.
func (c *WorkerContext) Dispose() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx != nil {
		c.ctx.Dispose()
		c.ctx = nil
	}
}

func parseTarget(t string) (api.Target, error) {
	targets := map[string]api.Target{
		"esnext": api.ESNext, "es5": api.ES5, "es2015": api.ES2015, "es6": api.ES2015,
		"es2016": api.ES2016, "es2017": api.ES2017, "es2018": api.ES2018, "es2019": api.ES2019,
		"es2020": api.ES2020, "es2021": api.ES2021, "es2022": api.ES2022, "es2023": api.ES2023,
		"es2024": api.ES2024, "es2025": api.ES2025,
	}
	if v, ok := targets[strings.ToLower(t)]; ok {
		return v, nil
	}
	return 0, fmt.Errorf("build: unknown target %q: use one of es2015…es2025 or esnext", t)
}

// WorkerMeta is what a host needs to know of a built worker besides its
// files: its exports (valet's entry re-exports them), the main module's
// name and the modules beside it (in ModulesDir).
type WorkerMeta struct {
	Exports []string     `json:"exports"`
	Main    string       `json:"main,omitempty"` // "" means MainModule
	Modules []ModuleMeta `json:"modules,omitempty"`
}

// ModuleMeta names a module of ModulesDir and its type.
type ModuleMeta struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// WorkerMetaFile is written beside worker.js.
const WorkerMetaFile = "worker.meta.json"

// WriteWorkerMeta writes dir/worker.meta.json for r.
func WriteWorkerMeta(dir string, r *WorkerResult) error {
	m := WorkerMeta{Exports: r.Exports}
	if r.Main != MainModule {
		m.Main = r.Main
	}
	for _, mod := range r.Modules {
		m.Modules = append(m.Modules, ModuleMeta{Name: mod.Name, Type: mod.Type})
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = writeIfChanged(filepath.Join(dir, WorkerMetaFile), b)
	return err
}

// ReadWorkerMeta reads dir/worker.meta.json; a build without one (from an
// older valet) reads as unknown exports (nil).
func ReadWorkerMeta(dir string) (*WorkerMeta, error) {
	b, err := os.ReadFile(filepath.Join(dir, WorkerMetaFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &WorkerMeta{}, nil
	}
	if err != nil {
		return nil, err
	}
	var m WorkerMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", WorkerMetaFile, err)
	}
	return &m, nil
}
