package bundle

import (
	"encoding/json"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// HotModule is a source module of a hot-updatable dev build (FrontendOptions.Hot
// with React Fast Refresh): the entry chunk that runs it again alone.
type HotModule struct {
	URL string // root-absolute URL of its entry chunk, with Base ("/assets/src_App-5X2B3C4D.js")
	// Boundary: the module registers components and exports nothing else,
	// so importing it again and refreshing updates the page in place.
	Boundary bool
	// Chunks are the root-absolute URLs of the chunks its entry chunk
	// imports statically, at any depth: a page fetches the changed ones
	// beside the entry chunk instead of after it.
	Chunks []string
}

// hotLayout makes each of the project's modules an entry point of its
// own, besides the HTML entries. With code splitting, an edit then changes
// the edited module's chunks and the chunks that import them, and nothing
// else: node_modules stay in chunks whose names do not change, so importing
// the edited module's entry chunk again runs its new code against the same
// React the page already has.
type hotLayout struct {
	refresh refreshModules
	modules []string // absolute paths, sorted: the entries of the current context
	stale   bool     // the last build found another set of modules: lay out again
}

// enabled: hot layout only pays when a runtime can accept the update.
func (c *FrontendContext) hotEnabled() bool { return c.opts.Hot && c.refreshPkg != "" }

// moduleEntries are the esbuild entries of the project's modules, named
// after their path (src/App.tsx -> assets/src_App-[hash].js).
func (c *FrontendContext) moduleEntries(taken map[string]bool) []api.EntryPoint {
	var out []api.EntryPoint
	for _, m := range c.hot.modules {
		rel := filepath.ToSlash(relTo(c.opts.Root, m))
		if i := strings.LastIndex(rel, "node_modules/"); i >= 0 {
			rel = "vendor/" + rel[i+len("node_modules/"):]
		}
		name := strings.NewReplacer("/", "_", ".", "_").Replace(strings.TrimSuffix(rel, path.Ext(rel)))
		for base, i := name, 2; taken[name]; i++ {
			name = base + "_" + strconv.Itoa(i)
		}
		taken[name] = true
		out = append(out, api.EntryPoint{InputPath: m, OutputPath: name})
	}
	return out
}

// noteModules compares the modules a build read with the entries it had;
// it returns true when they differ and the context must be made again.
// The entries are the project's modules and the node_modules files they
// import: with those as entries of their own, no chunk mixes the
// project's code with a package's, so packages stay in chunks that an edit
// does not rename.
func (c *FrontendContext) noteModules(mf *metafile) bool {
	if !c.hotEnabled() {
		return false
	}
	root := c.opts.Root
	set := map[string]bool{}
	for k, raw := range mf.Inputs {
		abs := filepath.Join(root, filepath.FromSlash(k))
		if strings.Contains(k, ":") || !isAppModule(root, abs) {
			continue
		}
		set[abs] = true
		var in struct {
			Imports []metaImport `json:"imports"`
		}
		if json.Unmarshal(raw, &in) != nil {
			continue
		}
		for _, imp := range in.Imports {
			if imp.External || strings.Contains(imp.Path, ":") || !isScript(imp.Path) {
				continue
			}
			if p := filepath.Join(root, filepath.FromSlash(imp.Path)); inNodeModules(p) {
				set[p] = true
			}
		}
	}
	mods := make([]string, 0, len(set))
	for p := range set {
		mods = append(mods, p)
	}
	slices.Sort(mods)
	if slices.Equal(mods, c.hot.modules) {
		return false
	}
	c.hot.modules, c.hot.stale = mods, true
	return true
}

func inNodeModules(p string) bool {
	return strings.Contains(filepath.ToSlash(p), "/node_modules/")
}

func isScript(p string) bool {
	switch path.Ext(p) {
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx":
		return true
	}
	return false
}

// hotModules maps each module entry's source to its chunk.
func (c *FrontendContext) hotModules(mf *metafile) map[string]HotModule {
	if !c.hotEnabled() {
		return nil
	}
	outs := map[string]metaOutput{}
	for k, v := range mf.Outputs {
		outs[c.outRel(k)] = v
	}
	out := map[string]HotModule{}
	for k, v := range mf.Outputs {
		if v.EntryPoint == "" || strings.HasPrefix(v.EntryPoint, htmlNamespace+":") || !strings.HasSuffix(k, ".js") {
			continue
		}
		src := filepath.Join(c.opts.Root, filepath.FromSlash(v.EntryPoint))
		if inNodeModules(src) {
			continue
		}
		entry := c.outRel(k)
		chunks := c.walk(outs, entry, false, func(p string, _ metaOutput) string {
			if p == entry || !strings.HasSuffix(p, ".js") {
				return ""
			}
			return c.opts.Base + p
		})
		out[src] = HotModule{URL: c.opts.Base + entry, Boundary: c.hot.refresh.get(src), Chunks: chunks}
	}
	return out
}
