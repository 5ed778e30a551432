package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// Dependency pre-bundling, as Vite's deps optimizer: in dev, the packages
// the project imports are bundled once into DepsDir, and the app build
// leaves them out (its imports point at DepsURL). An edit then rebuilds
// only the project's own modules, not React's megabyte and its source map.

// depsVersion goes into the cache key: a new valet layout bundles again.
const depsVersion = "valet-deps-2"

// depsManifest is what DepsDir holds besides the bundles: the key they
// were built for and the URL of each import.
const depsManifest = "_valet_deps.json"

type depsManifestFile struct {
	Key  string            `json:"key"`
	URLs map[string]string `json:"urls"` // bare import -> URL of its bundle, "" when declined
}

// depsState is the pre-bundle of a FrontendContext. The plugin reads and
// writes it on esbuild's goroutines.
type depsState struct {
	mu      sync.Mutex
	urls    map[string]string // bare import -> URL, of the current pre-bundle
	files   map[string]string // bare import -> resolved file, of the current pre-bundle
	missing map[string]string // imports the last build found that the pre-bundle lacks
	// resolved caches where a bare import from a directory resolves: esbuild
	// asks the plugin again at every rebuild, and a resolve from a plugin
	// reads the directories anew each time.
	resolved map[resolveKey]string
	key      string
	lock     string // lockStamp when the pre-bundle was made
	disabled bool   // the pre-bundle failed: packages are bundled into the app as before
}

// depsEnabled: only hot dev builds pre-bundle; production output is unchanged.
func (c *FrontendContext) depsEnabled() bool {
	return c.opts.Dev && c.opts.Hot && c.opts.DepsDir != "" && !c.deps.disabled
}

type resolveKey struct {
	spec, dir string
	kind      api.ResolveKind
}

// depsProbe marks the plugin's own resolve calls, so that it does not see them again.
type depsProbe struct{}

// depsPlugin points the project's bare imports of packages' scripts at
// their pre-bundle; one not pre-bundled yet is noted (and left external
// in this build, which Rebuild does again once it is bundled).
func (c *FrontendContext) depsPlugin() api.Plugin {
	return api.Plugin{
		Name: "valet-deps",
		Setup: func(build api.PluginBuild) {
			build.OnResolve(api.OnResolveOptions{Filter: `^[^./]`, Namespace: "file"},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					// Importers in node_modules too: a package kept in the app's
					// bundle (it has CSS) must get the pre-bundled react, not a second one.
					if _, probe := args.PluginData.(depsProbe); probe || strings.ContainsAny(args.Path, ":?") || filepath.IsAbs(args.Path) {
						return api.OnResolveResult{}, nil
					}
					switch args.Kind {
					case api.ResolveJSImportStatement, api.ResolveJSDynamicImport, api.ResolveJSRequireCall:
					default:
						return api.OnResolveResult{}, nil
					}
					key := resolveKey{args.Path, args.ResolveDir, args.Kind}
					c.deps.mu.Lock()
					file, ok := c.deps.resolved[key]
					c.deps.mu.Unlock()
					if !ok {
						r := build.Resolve(args.Path, api.ResolveOptions{
							Importer: args.Importer, Namespace: args.Namespace, ResolveDir: args.ResolveDir,
							Kind: args.Kind, PluginData: depsProbe{}, With: args.With,
						})
						if len(r.Errors) > 0 || r.External || r.Namespace != "file" || !inNodeModules(r.Path) || !isScript(r.Path) {
							return api.OnResolveResult{}, nil // an alias to the project, CSS, JSON, or esbuild's own error
						}
						file = r.Path
					}
					c.deps.mu.Lock()
					defer c.deps.mu.Unlock()
					if c.deps.resolved == nil {
						c.deps.resolved = map[resolveKey]string{}
					}
					c.deps.resolved[key] = file
					if u, ok := c.deps.urls[args.Path]; ok {
						if u == "" || c.deps.files[args.Path] != file {
							// Declined, or another copy (a nested node_modules): bundled with the app.
							return api.OnResolveResult{}, nil
						}
						return api.OnResolveResult{Path: u, External: true}, nil
					}
					if c.deps.missing == nil {
						c.deps.missing = map[string]string{}
					}
					c.deps.missing[args.Path] = file
					return api.OnResolveResult{Path: args.Path, External: true}, nil
				})
		},
	}
}

// takeMissing returns the imports of the last build that the pre-bundle
// lacks, together with those it has, and forgets them.
func (c *FrontendContext) takeMissing() map[string]string {
	c.deps.mu.Lock()
	defer c.deps.mu.Unlock()
	if len(c.deps.missing) == 0 {
		return nil
	}
	all := map[string]string{}
	for k, v := range c.deps.files {
		all[k] = v
	}
	for k, v := range c.deps.missing {
		all[k] = v
	}
	c.deps.missing = nil
	return all
}

// prebundle bundles imports (bare import -> resolved file) into DepsDir,
// or reuses what is there when it was made for the same imports and lockfile.
func (c *FrontendContext) prebundle(imports map[string]string) error {
	o := c.opts
	key := depsKey(o, imports)
	urls, err := readDepsManifest(o.DepsDir, key)
	if err != nil {
		urls, err = buildDeps(o, imports)
		if err != nil {
			return err
		}
		b, _ := json.MarshalIndent(depsManifestFile{Key: key, URLs: urls}, "", "  ")
		if err := os.MkdirAll(o.DepsDir, 0o755); err != nil {
			return fmt.Errorf("pre-bundle dependencies: %w", err)
		}
		if err := os.WriteFile(filepath.Join(o.DepsDir, depsManifest), b, 0o644); err != nil {
			return fmt.Errorf("pre-bundle dependencies: %w", err)
		}
	}
	c.deps.mu.Lock()
	c.deps.urls, c.deps.files, c.deps.key = urls, imports, key
	c.deps.resolved = nil // packages may have come or gone with the new import
	c.deps.mu.Unlock()
	return nil
}

// depsKey identifies a pre-bundle: the imports, where they resolve, the
// lockfiles (new package versions) and the mode.
func depsKey(o FrontendOptions, imports map[string]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", depsVersion, o.Mode, o.DepsURL)
	specs := make([]string, 0, len(imports))
	for s := range imports {
		specs = append(specs, s)
	}
	slices.Sort(specs)
	for _, s := range specs {
		fmt.Fprintf(h, "%s=%s\n", s, imports[s])
	}
	for _, lock := range lockfiles(o.Root) {
		if data, err := os.ReadFile(lock); err == nil {
			fmt.Fprintf(h, "%s %x\n", filepath.Base(lock), sha256.Sum256(data))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lockfiles are the files whose change means other packages: the nearest
// of each package manager's lockfile and package.json.
func lockfiles(root string) []string {
	var out []string
	for _, lock := range []string{"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb", "package.json"} {
		for dir := root; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, lock)); err == nil {
				out = append(out, filepath.Join(dir, lock))
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return out
}

// lockStamp identifies the lockfiles' state cheaply (size and mtime), to
// notice an npm install during a dev session at each rebuild.
func lockStamp(files []string) string {
	var b strings.Builder
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", f, st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String()
}

// checkLockfiles forgets the pre-bundle when the packages changed since it
// was made (npm install during the session): the next build makes it again
// and lays out anew (a page reload), as Vite does. It returns the
// lockfiles, which the dev watcher watches as inputs of the frontend.
func (c *FrontendContext) checkLockfiles() []string {
	if !c.depsEnabled() {
		return nil
	}
	files := lockfiles(c.opts.Root)
	stamp := lockStamp(files)
	c.deps.mu.Lock()
	defer c.deps.mu.Unlock()
	if c.deps.urls != nil && stamp != c.deps.lock {
		c.deps.urls, c.deps.files, c.deps.resolved = nil, nil, nil
		c.hot.stale = true
	}
	c.deps.lock = stamp
	return files
}

func readDepsManifest(dir, key string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, depsManifest))
	if err != nil {
		return nil, err
	}
	var m depsManifestFile
	if err := json.Unmarshal(data, &m); err != nil || m.Key != key || m.URLs == nil {
		return nil, fmt.Errorf("stale pre-bundle")
	}
	for _, u := range m.URLs {
		if u == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, path.Base(u))); err != nil {
			return nil, err
		}
	}
	return m.URLs, nil
}

// depFileName names the bundle of a bare import: "react-dom/client" -> "react-dom_client.js".
func depFileName(spec string) string {
	return strings.NewReplacer("/", "_", "@", "", ".", "_").Replace(spec)
}
