package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// newUnbundledContext prepares no_bundle builds: the entry ships as
// written, so esbuild only reads it for its exports (valet's entry
// re-exports them, and Durable Object classes must be among them).
func newUnbundledContext(opts WorkerOptions, target api.Target) (*WorkerContext, error) {
	switch strings.ToLower(filepath.Ext(opts.Entry)) {
	case ".js", ".mjs", ".cjs":
	default:
		return nil, fmt.Errorf("build worker: no_bundle ships main as written and workerd runs JavaScript: %s is not a .js file; build it to JavaScript first (build.command) or remove no_bundle", relTo(opts.Root, opts.Entry))
	}
	rel, err := filepath.Rel(opts.Modules.BaseDir, opts.Entry)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("build worker: with no_bundle, main %s must be inside base_dir %s: modules are named from base_dir", relTo(opts.Root, opts.Entry), relTo(opts.Root, opts.Modules.BaseDir))
	}
	rules, err := parseRules(opts.Modules.Rules)
	if err != nil {
		return nil, fmt.Errorf("build worker: %w", err)
	}
	ctx, ctxErr := api.Context(api.BuildOptions{
		EntryPoints:   []string{opts.Entry},
		AbsWorkingDir: opts.Root,
		Outfile:       filepath.Join(opts.Root, MainModule),
		Write:         false,
		Bundle:        false,
		Format:        api.FormatESModule,
		Target:        target,
		Metafile:      true,
		LogLevel:      api.LogLevelSilent,
	})
	if ctxErr != nil {
		return nil, newError("worker", ctxErr.Errors)
	}
	return &WorkerContext{opts: opts, ctx: ctx, rules: rules}, nil
}

func (c *WorkerContext) rebuildUnbundled() (*WorkerResult, error) {
	res := c.ctx.Rebuild()
	if err := newError("worker", res.Errors); err != nil {
		return nil, err
	}
	meta, err := parseMetafile(res.Metafile)
	if err != nil {
		return nil, fmt.Errorf("build worker: %w", err)
	}
	script, err := os.ReadFile(c.opts.Entry)
	if err != nil {
		return nil, fmt.Errorf("build worker: %w", err)
	}
	rel, _ := filepath.Rel(c.opts.Modules.BaseDir, c.opts.Entry)
	out := &WorkerResult{
		Script: script, Main: filepath.ToSlash(rel), Exports: meta.entryExports(),
		Inputs: []string{c.opts.Entry}, Warnings: c.ruleWarnings(),
	}
	if c.opts.Minify {
		out.Warnings = append(out.Warnings, Message{Text: "minify and no_bundle do not go together: the worker ships as written; minify it in your own build"})
	}
	if c.opts.Modules.FindAdditional {
		if out.Modules, err = findAdditional(c.opts.Modules, c.rules, c.opts.Entry); err != nil {
			return nil, fmt.Errorf("build worker: %w", err)
		}
	}
	if err := c.finish(out); err != nil {
		return nil, err
	}
	return out, nil
}

// writeModules writes each module to dir at its name and removes the files
// of modules the build no longer has.
func writeModules(dir string, mods []Module) error {
	keep := map[string]bool{}
	for _, m := range mods {
		p := filepath.Join(dir, filepath.FromSlash(m.Name))
		keep[p] = true
		if _, err := writeIfChanged(p, m.Content); err != nil {
			return err
		}
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || keep[p] {
			return err
		}
		return os.Remove(p)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
