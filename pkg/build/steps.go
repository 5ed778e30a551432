package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/projectfs"
)

// NoCustomBuild, NoFrontend and NoWorker are the reasons, from the config
// alone, not to run a step; valet dev's first build skips the same steps
// for the same reasons. "" means the step runs.
func NoCustomBuild(c *config.Config) string {
	if b := c.Build; b == nil || b.Command == "" {
		return "no build.command"
	}
	return ""
}

// NoFrontend: see NoCustomBuild.
func NoFrontend(c *config.Config) string {
	if c.Frontend == nil {
		return "no frontend"
	}
	return ""
}

// NoWorker: see NoCustomBuild.
func NoWorker(c *config.Config) string {
	if c.Main == "" {
		return "no main"
	}
	return ""
}

func skipCustom(st *state) string { return NoCustomBuild(st.p.Config) }

func runCustom(ctx context.Context, st *state) error {
	return RunCommand(ctx, CommandOptions{
		Build:   st.p.Config.Build,
		Dir:     st.p.Dir,
		Environ: st.environ(),
		Events:  st.opts.Events,
	})
}

func skipFrontend(st *state) string { return NoFrontend(st.p.Config) }

// FrontendOptions derives the bundler's options from the config. Dev builds
// are unminified and carry inline source maps.
func FrontendOptions(st *stateLike, dev bool) bundle.FrontendOptions {
	c := st.Project.Config
	f := c.Frontend
	root := st.Project.Dir
	if f.Root != "" {
		root = st.Project.Abs(f.Root)
	}
	return bundle.FrontendOptions{
		Root:      root,
		Entries:   []string(f.Entry),
		PublicDir: f.PublicDir,
		OutDir:    FrontendOutDir(st.Project),
		Env:       publicEnv(st.Env),
		Dev:       dev,
		Alias:     c.Alias,
		Project:   st.Project.Dir,
	}
}

func runFrontend(_ context.Context, st *state) error {
	opts := FrontendOptions(&stateLike{Project: st.p, Env: st.envMap()}, false)
	key := cacheKey("frontend", opts)
	if st.cache.fresh(key, opts.OutDir) {
		return events.Skip("unchanged")
	}
	res, err := bundle.Frontend(opts)
	if err != nil {
		return err
	}
	for _, msg := range res.Skipped {
		st.opts.Events.Warn(msg)
	}
	st.cache.record(key, opts.OutDir, res.Inputs, filepath.Join(opts.Root, publicDir(opts.PublicDir)))
	return nil
}

func publicDir(p string) string {
	if p == "" {
		return "public"
	}
	return p
}

func skipWorker(st *state) string { return NoWorker(st.p.Config) }

// WorkerOptions derives the worker bundle's options from the config.
func WorkerOptions(st *stateLike, outDir string) bundle.WorkerOptions {
	c := st.Project.Config
	minify := false
	if c.Minify != nil {
		minify = *c.Minify
	}
	noBundle := c.NoBundle != nil && *c.NoBundle
	mods := bundle.ModuleOptions{
		// As wrangler: no_bundle finds the modules unless told not to.
		FindAdditional:    isTrue(c.FindAdditionalModules, noBundle),
		PreserveFileNames: isTrue(c.PreserveFileNames, false),
		// valet's own files are never modules of the app.
		Skip: []string{st.Project.Path, filepath.Join(st.Project.Dir, ".valet")},
	}
	if c.BaseDir != "" {
		mods.BaseDir = st.Project.Abs(c.BaseDir)
	}
	for _, r := range c.Rules {
		mods.Rules = append(mods.Rules, bundle.ModuleRule{Type: r.Type, Globs: r.Globs, Fallthrough: r.Fallthrough})
	}
	return bundle.WorkerOptions{
		Entry:    st.Project.Abs(c.Main),
		Root:     st.Project.Dir,
		OutDir:   outDir,
		Define:   c.Define,
		Alias:    c.Alias,
		Minify:   minify,
		Modules:  mods,
		NoBundle: noBundle,
		// With nodejs_compat, Node's builtins are workerd's to provide.
		NodeCompat: slices.ContainsFunc(c.CompatibilityFlags, func(f string) bool {
			return f == "nodejs_compat" || f == "nodejs_compat_v2"
		}),
	}
}

func isTrue(b *bool, unset bool) bool {
	if b == nil {
		return unset
	}
	return *b
}

func runWorker(_ context.Context, st *state) error {
	opts := WorkerOptions(&stateLike{Project: st.p}, st.out)
	if _, err := os.Stat(opts.Entry); err != nil {
		return fmt.Errorf("worker entry %q (main in %s) does not exist; fix \"main\" or create the file", st.p.Config.Main, filepath.Base(st.p.Path))
	}
	key := cacheKey("worker", opts)
	script := filepath.Join(st.out, "worker.js")
	exports, fresh := st.cache.workerExports(key)
	fresh = fresh && st.cache.fresh(key, script)
	var res *bundle.WorkerResult
	if !fresh {
		// Built in memory and written once checked: a refused worker does
		// not replace the one the last version lists.
		inMemory := opts
		inMemory.OutDir = ""
		var err error
		if res, err = bundle.Worker(inMemory); err != nil {
			return err
		}
		for _, w := range res.Warnings {
			st.opts.Events.Warn(w.Warning())
		}
		exports = res.Exports
	}
	// The config may have changed while the worker did not: check every time.
	if err := CheckExports(st.p, exports); err != nil {
		return err
	}
	if res != nil {
		if err := bundle.WriteWorker(st.out, res); err != nil {
			return fmt.Errorf("worker bundle: %w", err)
		}
		// A file added where find_additional_modules looks is a new module.
		watch := ""
		if opts.Modules.FindAdditional {
			watch = opts.Modules.BaseDir
			if watch == "" {
				watch = filepath.Dir(opts.Entry)
			}
		}
		st.cache.recordWorker(key, script, res.Inputs, res.Exports, watch)
	}
	meta, err := bundle.ReadWorkerMeta(st.out)
	if err != nil {
		return fmt.Errorf("worker bundle: %w", err)
	}
	st.manifest.WorkerExports = exports
	st.manifest.WorkerMain = meta.Main
	files := []struct {
		name string
		dst  **FileEntry
	}{{bundle.MainModule, &st.manifest.Worker}, {bundle.MainModule + ".map", &st.manifest.Map}}
	for _, f := range files {
		hash, size, err := hashFile(filepath.Join(st.out, f.name))
		if errors.Is(err, fs.ErrNotExist) && f.dst == &st.manifest.Map {
			continue // no_bundle: the worker ships as written, without a map
		}
		if err != nil {
			return fmt.Errorf("worker bundle: %w", err)
		}
		*f.dst = &FileEntry{Path: f.name, Hash: hash, Size: size}
	}
	for _, m := range meta.Modules {
		p := path.Join(bundle.ModulesDir, m.Name)
		hash, size, err := hashFile(filepath.Join(st.out, filepath.FromSlash(p)))
		if err != nil {
			return fmt.Errorf("worker module %s: %w", m.Name, err)
		}
		st.manifest.WorkerModules = append(st.manifest.WorkerModules, ModuleEntry{
			FileEntry: FileEntry{Path: p, Hash: hash, Size: size}, Name: m.Name, Type: m.Type,
		})
	}
	if fresh {
		return events.Skip("unchanged")
	}
	return nil
}

func skipAssets(st *state) string {
	if AssetsDir(st.p) == "" {
		return "no assets"
	}
	return ""
}

func runAssets(_ context.Context, st *state) error {
	src := AssetsDir(st.p)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("assets directory %s does not exist; build the frontend first or fix assets.directory", rel(st.p.Dir, src))
	}
	outside := func(l projectfs.Outside) { st.opts.Events.Warn(l.Message(st.p.Dir)) }
	entries, err := syncDir(st.p.Dir, src, filepath.Join(st.out, "assets"), "assets", outside)
	if err != nil {
		return err
	}
	st.manifest.Assets = entries
	return nil
}

func skipImages(st *state) string {
	if len(st.p.Config.Containers) == 0 {
		return "no containers"
	}
	if st.opts.SkipImages {
		return "--no-images"
	}
	return ""
}

func runImages(ctx context.Context, st *state) error {
	connect := st.opts.Engine
	if connect == nil {
		connect = func(ctx context.Context) (*engine.Engine, error) { return engine.Connect(ctx, engine.Options{}) }
	}
	e, err := connect(ctx)
	if err != nil {
		return err
	}
	st.engine = e
	for _, c := range st.p.Config.Containers {
		res, err := Image(ctx, e, st.p, c, OwnPaths(st.p, st.out), st.opts.Events)
		if err != nil {
			return err
		}
		st.manifest.Images = append(st.manifest.Images, ImageEntry{
			Class: c.ClassName, Name: c.Name, Ref: res.Ref, ID: res.ID, Cached: res.Cached,
		})
	}
	return nil
}

// publicEnv keeps the variables a frontend may see, as Vite does; the rest
// of the environment must not reach a browser bundle (nor the cache key).
func publicEnv(env map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if strings.HasPrefix(k, "VITE_") || strings.HasPrefix(k, "VALET_PUBLIC_") {
			out[k] = v
		}
	}
	return out
}
