package bundle

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// React Fast Refresh for valet dev, as @vitejs/plugin-react does it: the
// project's own react-refresh runtime is loaded before React (a classic
// script, so it runs before every module script), and each component module
// registers its top-level components at its end. A hot update then imports
// the edited module again and asks the runtime to swap the components in
// place, keeping their state when their hooks did not change.

// FindReactRefresh returns the directory of the react-refresh package the
// project at root can import (its node_modules or a parent's), or "".
func FindReactRefresh(root string) string {
	for dir := root; ; dir = filepath.Dir(dir) {
		pkg := filepath.Join(dir, "node_modules", "react-refresh")
		if _, err := os.Stat(filepath.Join(pkg, "runtime.js")); err == nil {
			return pkg
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// ReactRefreshRuntime bundles the project's react-refresh runtime as a
// classic script that hooks into React before React loads and exposes the
// runtime as window.__valetRefresh. It returns nil when the project has no
// react-refresh: hot updates are then full reloads.
func ReactRefreshRuntime(root string) ([]byte, error) {
	pkg := FindReactRefresh(root)
	if pkg == "" {
		return nil, nil
	}
	src := `import R from ` + strconv.Quote(filepath.ToSlash(filepath.Join(pkg, "runtime.js"))) + `;
R.injectIntoGlobalHook(window);
window.$RefreshReg$ = () => {};
window.$RefreshSig$ = () => (type) => type;
window.__valetRefresh = R;
`
	res := api.Build(api.BuildOptions{
		Stdin:    &api.StdinOptions{Contents: src, ResolveDir: root, Sourcefile: "valet-refresh.js", Loader: api.LoaderJS},
		Bundle:   true,
		Format:   api.FormatIIFE,
		Platform: api.PlatformBrowser,
		Define:   map[string]string{"process.env.NODE_ENV": `"development"`},
		Write:    false,
		LogLevel: api.LogLevelSilent,
	})
	if err := newError("react-refresh runtime", res.Errors); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", pkg, err)
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("bundle %s: %d output files", pkg, len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}

// refreshModules records, per source file, whether a module is a Fast
// Refresh boundary; esbuild's goroutines write it while loading.
type refreshModules struct {
	mu       sync.Mutex
	boundary map[string]bool // absolute path -> every export is a component
	versions map[string]moduleVersion
}

// moduleVersion counts the contents a module had. The count goes into the
// module's output, so that an edit undone (the content of a chunk the page
// already loaded) still makes a new chunk the page runs again.
type moduleVersion struct {
	sum [sha256.Size]byte
	n   int
}

func (r *refreshModules) version(path string, data []byte) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.versions == nil {
		r.versions = map[string]moduleVersion{}
	}
	v := r.versions[path]
	if sum := sha256.Sum256(data); sum != v.sum {
		v.sum, v.n = sum, v.n+1
		r.versions[path] = v
	}
	return v.n
}

func (r *refreshModules) set(path string, b bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.boundary == nil {
		r.boundary = map[string]bool{}
	}
	r.boundary[path] = b
}

func (r *refreshModules) get(path string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.boundary[path]
}

// refreshPlugin appends the registrations to the project's own modules
// (not node_modules) that declare components.
func refreshPlugin(root string, mods *refreshModules) api.Plugin {
	loaders := map[string]api.Loader{".jsx": api.LoaderJSX, ".tsx": api.LoaderTSX, ".js": api.LoaderJS,
		".mjs": api.LoaderJS, ".ts": api.LoaderTS, ".mts": api.LoaderTS}
	return api.Plugin{
		Name: "valet-react-refresh",
		Setup: func(build api.PluginBuild) {
			build.OnLoad(api.OnLoadOptions{Filter: `\.(jsx|tsx|js|mjs|ts|mts)$`, Namespace: "file"},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					if !isAppModule(root, args.Path) {
						return api.OnLoadResult{}, nil
					}
					data, err := os.ReadFile(args.Path)
					if err != nil {
						return api.OnLoadResult{}, err
					}
					id := filepath.ToSlash(relTo(root, args.Path))
					src, boundary := refreshTransform(id, string(data), mods.version(args.Path, data))
					mods.set(args.Path, boundary)
					return api.OnLoadResult{Contents: &src, Loader: loaders[filepath.Ext(args.Path)],
						ResolveDir: filepath.Dir(args.Path)}, nil
				})
		},
	}
}

// isAppModule is a script of the project itself: under root, outside
// node_modules and valet's own folder.
func isAppModule(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "node_modules" || part == ".valet" {
			return false
		}
	}
	switch filepath.Ext(path) {
	case ".jsx", ".tsx", ".js", ".mjs", ".ts", ".mts":
		return !strings.HasSuffix(path, ".d.ts")
	}
	return false
}

var (
	// Top-level declarations (at the start of a line) of PascalCase names.
	reFuncDecl  = regexp.MustCompile(`(?m)^(?:export\s+(?:default\s+)?)?(?:async\s+)?function\s+([A-Z][\w$]*)\s*[<(]`)
	reClassDecl = regexp.MustCompile(`(?m)^(?:export\s+(?:default\s+)?)?class\s+([A-Z][\w$]*)\s+extends\s`)
	reVarDecl   = regexp.MustCompile(`(?m)^(?:export\s+)?(?:const|let|var)\s+([A-Z][\w$]*)\s*(?::[^=\n]+)?=\s*(?:async\s*)?(?:\(|function\b|[A-Za-z_$][\w$]*\s*=>|(?:React\.)?(?:memo|forwardRef)\s*[(<])`)
	reHookCall  = regexp.MustCompile(`\b(use[A-Z0-9][\w$]*|use)\s*[(<]`)

	reExport         = regexp.MustCompile(`(?m)^export\b(.*)$`)
	reExportDefault  = regexp.MustCompile(`^\s+default\s+(?:(?:async\s+)?function\s+|class\s+)?([A-Z][\w$]*)\s*(?:[;<(]|extends\b|$)`)
	reExportDecl     = regexp.MustCompile(`^\s+(?:(?:async\s+)?function\s*\*?|class|const|let|var)\s+([\w$]+)`)
	reExportTypeOnly = regexp.MustCompile(`^\s+(?:type|interface|declare)\b`)
	reExportList     = regexp.MustCompile(`^\s*(?:type\s*)?\{([^}]*)\}\s*(from\b)?`)
)

// refreshTransform appends the Fast Refresh registrations of the
// top-level components of src (id is the module's path, stable across
// builds) and tells whether the module is a boundary: it registers a
// component and exports nothing else, so it can be swapped alone. Hooks
// are signed per module: when the list of hook calls changes, the
// module's components remount instead of keeping state that no longer fits.
func refreshTransform(id, src string, version int) (string, bool) {
	var names []string
	seen := map[string]bool{}
	for _, re := range []*regexp.Regexp{reFuncDecl, reClassDecl, reVarDecl} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				names = append(names, m[1])
			}
		}
	}
	if len(names) == 0 {
		return src, false
	}
	var hooks []string
	for _, m := range reHookCall.FindAllStringSubmatch(src, -1) {
		hooks = append(hooks, m[1])
	}
	sig := strconv.Quote(strings.Join(hooks, ","))
	var b strings.Builder
	b.WriteString(src)
	fmt.Fprintf(&b, "\n;(() => {\n  const R = typeof window !== \"undefined\" && window.__valetRefresh;\n  if (!R) return;\n  R.valetVersion = %d;\n", version)
	for _, n := range names {
		// typeof: a name the scan took from a string or a comment is no binding.
		fmt.Fprintf(&b, "  if (typeof %s !== \"undefined\") { R.register(%s, %s); R.setSignature(%s, %s); }\n",
			n, n, strconv.Quote(id+" "+n), n, sig)
	}
	b.WriteString("})();\n")
	return b.String(), exportsOnly(src, seen)
}

// exportsOnly reports whether every export of src is one of components,
// and there is at least one.
func exportsOnly(src string, components map[string]bool) bool {
	found := false
	for _, m := range reExport.FindAllStringSubmatch(src, -1) {
		rest := m[1]
		switch {
		case reExportTypeOnly.MatchString(rest):
			continue
		case strings.HasPrefix(strings.TrimSpace(rest), "default"):
			d := reExportDefault.FindStringSubmatch(rest)
			if d == nil || !components[d[1]] {
				return false
			}
		case reExportDecl.MatchString(rest):
			if !components[reExportDecl.FindStringSubmatch(rest)[1]] {
				return false
			}
		case reExportList.MatchString(rest):
			l := reExportList.FindStringSubmatch(rest)
			if strings.HasPrefix(strings.TrimSpace(rest), "type") {
				continue
			}
			if l[2] != "" {
				return false // a re-export: the components live in another module
			}
			for _, item := range strings.Split(l[1], ",") {
				f := strings.Fields(item)
				if len(f) == 0 || f[0] == "type" {
					continue
				}
				if !components[f[0]] {
					return false
				}
			}
		default:
			return false // export *, export enum, anything unknown
		}
		found = true
	}
	return found
}
