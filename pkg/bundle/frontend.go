package bundle

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// FrontendOptions describe a Vite-style frontend: HTML entries whose
// module scripts and stylesheets are bundled, and a public/ dir copied as-is.
type FrontendOptions struct {
	Root      string            // project root (index.html, src/, public/)
	Entries   []string          // HTML entries relative to Root (default ["index.html"])
	PublicDir string            // default "public", relative to Root (copied as-is to OutDir root)
	OutDir    string            // e.g. <build>/assets or assets.directory
	Mode      string            // "production" | "development" (default: by Dev)
	Env       map[string]string // process env: VITE_* and VALET_PUBLIC_* exposed on import.meta.env
	Base      string            // default "/"
	Dev       bool              // no minify, inline source maps, InjectHTML

	Alias      map[string]string // like Vite's resolve.alias: "@" -> "./src"
	Tsconfig   string            // default: the nearest tsconfig.json of each file
	InjectHTML string            // inserted before </body> of every HTML entry (live reload)
	// Hot shapes a dev build for valet dev's hot updates: source maps in
	// .map files, and with the project's react-refresh, each module its own
	// entry chunk and Fast Refresh registrations (FrontendResult.Modules).
	Hot bool
	// DepsDir (Dev and Hot only) pre-bundles the packages the project
	// imports there, once, and the app's imports of them point at DepsURL
	// (default "/__valet/deps/"), where the dev server serves DepsDir.
	DepsDir string
	DepsURL string
	// KeepOutDir keeps files already in OutDir. By default, as Vite does, the
	// first build empties OutDir when it lies inside Root and holds no source.
	KeepOutDir bool
	// Project bounds what the public dir's symbolic links may bring in:
	// one whose target lies outside it is not copied (FrontendResult.Skipped).
	// Default: Root.
	Project string
}

// OutputFile is one file of the built frontend.
type OutputFile struct {
	Path string // relative to OutDir, with forward slashes ("assets/index-5X2B3C4D.js")
	Hash string // hex SHA-256 of the content
	Size int64
}

// FrontendResult lists what a build wrote and what it read.
type FrontendResult struct {
	Files  []OutputFile // sorted by Path; hashed assets, HTML and public files
	Inputs []string     // absolute paths of the sources, HTML, .env and public files
	// Warnings are esbuild's, e.g. an import.meta property it had to drop.
	Warnings []Message
	// Modules (Hot builds with React Fast Refresh): source path -> its chunk.
	Modules map[string]HotModule
	// Relaid: the build was laid out anew (new modules, new env): chunk
	// names changed beyond the edit, a hot update cannot apply.
	Relaid bool
	// DepsError: the dependency pre-bundle failed in this build (valet dev
	// goes on with packages bundled into the app, slower edits): why.
	DepsError string
	// Skipped says which links of the public dir were left out because
	// their targets lie outside Project, one message each.
	Skipped []string
}

// Frontend builds the frontend once.
func Frontend(opts FrontendOptions) (*FrontendResult, error) {
	c, err := NewFrontendContext(opts)
	if err != nil {
		return nil, err
	}
	defer c.Dispose()
	return c.Rebuild()
}

// FrontendContext rebuilds the frontend incrementally. The esbuild context
// is kept between builds and recreated only when import.meta.env changed.
type FrontendContext struct {
	opts FrontendOptions

	mu        sync.Mutex // one rebuild at a time
	ctx       api.BuildContext
	defineKey string
	disposed  bool
	built     bool            // the first build (which may empty OutDir) happened
	written   map[string]bool // OutDir-relative files of the previous build
	public    publicCache

	entriesMu sync.Mutex // read by the plugin on esbuild's goroutines
	entries   map[string]*htmlEntry

	refreshPkg string    // the project's react-refresh (Hot only), or ""
	hot        hotLayout // hot.go
	deps       depsState // deps.go
}

// NewFrontendContext checks the options; the first Rebuild builds.
func NewFrontendContext(opts FrontendOptions) (*FrontendContext, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &FrontendContext{opts: opts, written: map[string]bool{}, public: publicCache{}}
	if opts.Hot {
		c.refreshPkg = FindReactRefresh(opts.Root)
	}
	return c, nil
}

func (o FrontendOptions) withDefaults() (FrontendOptions, error) {
	if o.Root == "" {
		return o, errors.New("build frontend: no project root")
	}
	var err error
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return o, fmt.Errorf("build frontend: root: %w", err)
	}
	if o.OutDir == "" {
		return o, errors.New("build frontend: no output directory: set frontend.out_dir or assets.directory in valet.jsonc")
	}
	if !filepath.IsAbs(o.OutDir) {
		o.OutDir = filepath.Join(o.Root, o.OutDir)
	}
	o.OutDir = filepath.Clean(o.OutDir)
	if o.OutDir == o.Root {
		return o, fmt.Errorf("build frontend: output directory %s is the project root: choose a directory such as dist", o.OutDir)
	}
	if len(o.Entries) == 0 {
		o.Entries = []string{"index.html"}
	}
	for i, e := range o.Entries {
		e = filepath.ToSlash(filepath.Clean(filepath.FromSlash(strings.TrimPrefix(e, "/"))))
		if strings.HasPrefix(e, "../") || !strings.HasSuffix(e, ".html") {
			return o, fmt.Errorf("build frontend: entry %q: want an .html file inside %s", o.Entries[i], o.Root)
		}
		o.Entries[i] = e
	}
	if o.Project == "" {
		o.Project = o.Root
	}
	if o.PublicDir == "" {
		o.PublicDir = "public"
	}
	if !filepath.IsAbs(o.PublicDir) {
		o.PublicDir = filepath.Join(o.Root, o.PublicDir)
	}
	if o.Mode == "" {
		o.Mode = "production"
		if o.Dev {
			o.Mode = "development"
		}
	}
	if o.Base == "" {
		o.Base = "/"
	}
	if o.DepsDir != "" {
		if !filepath.IsAbs(o.DepsDir) {
			o.DepsDir = filepath.Join(o.Root, o.DepsDir)
		}
		if o.DepsURL == "" {
			o.DepsURL = "/__valet/deps/"
		}
		if !strings.HasSuffix(o.DepsURL, "/") {
			o.DepsURL += "/"
		}
	}
	if !strings.HasSuffix(o.Base, "/") {
		o.Base += "/"
	}
	return o, nil
}

// Dispose frees esbuild's caches; the context cannot rebuild afterwards.
func (c *FrontendContext) Dispose() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx != nil {
		c.ctx.Dispose()
		c.ctx = nil
	}
	c.disposed = true
}

// Rebuild builds again: re-reads the HTML entries and .env files, lets
// esbuild re-read the sources that changed, and writes the files whose
// content changed, removing those the previous build wrote and this one
// did not.
func (c *FrontendContext) Rebuild() (*FrontendResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disposed {
		return nil, errors.New("build frontend: context already disposed")
	}
	o := c.opts
	env, envFiles, err := loadClientEnv(o.Root, o.Mode, o.Env)
	if err != nil {
		return nil, fmt.Errorf("build frontend: %w", err)
	}
	meta := metaEnv(o, env)
	entries := map[string]*htmlEntry{}
	for _, rel := range o.Entries {
		e, err := parseHTMLEntry(o.Root, o.PublicDir, rel, meta.html)
		if err != nil {
			return nil, fmt.Errorf("build frontend: %w", err)
		}
		entries[rel] = e
	}
	c.entriesMu.Lock()
	c.entries = entries
	c.entriesMu.Unlock()

	lockfiles := c.checkLockfiles()
	var res api.BuildResult
	var mf *metafile
	relaid := false
	depsErr := ""
	// Another round when a hot build found other modules than its entries,
	// or imports of packages its pre-bundle lacks (the first build: all).
	for round := 0; round < 6; round++ {
		if c.ctx == nil || c.defineKey != meta.key || c.hot.stale {
			if c.ctx != nil {
				c.ctx.Dispose()
				c.ctx = nil
			}
			ctx, ctxErr := api.Context(c.buildOptions(meta.define))
			if ctxErr != nil {
				return nil, newError("frontend", ctxErr.Errors)
			}
			c.ctx, c.defineKey, c.hot.stale, relaid = ctx, meta.key, false, true
		}
		res = c.ctx.Rebuild()
		if err := newError("frontend", res.Errors); err != nil {
			return nil, err
		}
		if mf, err = parseMetafile(res.Metafile); err != nil {
			return nil, fmt.Errorf("build frontend: %w", err)
		}
		depsChanged := false
		if missing := c.takeMissing(); missing != nil {
			if err := c.prebundle(missing); err != nil {
				// Packages go into the app's bundle, as without a pre-bundle.
				c.deps.disabled = true
				depsErr = err.Error()
			}
			c.hot.stale, depsChanged = true, true
		}
		if !c.noteModules(mf) && !depsChanged {
			break
		}
	}
	out, err := c.emit(res.OutputFiles, mf, entries)
	if err != nil {
		return nil, fmt.Errorf("build frontend: %w", err)
	}
	out.Inputs = mf.inputFiles(o.Root)
	out.Warnings = convertMessages(res.Warnings)
	out.DepsError = depsErr
	out.Modules, out.Relaid = c.hotModules(mf), relaid
	for _, e := range entries {
		out.Inputs = append(out.Inputs, e.Abs)
	}
	out.Inputs = append(out.Inputs, envFiles...)
	out.Inputs = append(out.Inputs, lockfiles...)
	for rel := range c.public {
		out.Inputs = append(out.Inputs, filepath.Join(o.PublicDir, filepath.FromSlash(rel)))
	}
	slices.Sort(out.Inputs)
	out.Inputs = slices.Compact(out.Inputs)
	return out, nil
}
