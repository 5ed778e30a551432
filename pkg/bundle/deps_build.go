package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evanw/esbuild/pkg/api"
	"golang.org/x/sync/errgroup"
)

const depsNamespace = "valet-dep"

// depExports is what a package entry exports, as the browser sees it.
type depExports struct {
	cjs     bool
	names   []string // named exports (not default)
	deflt   bool     // ESM: has a default export
	unknown bool     // CJS that could not be evaluated: default only
	// css: the package imports stylesheets, which a page would not load
	// from a pre-bundle: it stays in the app's bundle, as without one.
	css bool
}

// buildDeps bundles each import into o.DepsDir as an ES module, with code
// splitting so that packages they share (react) load once. It returns the
// URL of each import's bundle.
func buildDeps(o FrontendOptions, imports map[string]string) (map[string]string, error) {
	specs := make([]string, 0, len(imports))
	for s := range imports {
		specs = append(specs, s)
	}
	slices.Sort(specs)
	exports, err := analyzeDeps(o, specs, imports)
	if err != nil {
		return nil, err
	}
	wrappers := map[string]string{}
	entries := make([]api.EntryPoint, 0, len(specs))
	urls := map[string]string{}
	taken := map[string]bool{}
	for _, s := range specs {
		if exports[s].css {
			urls[s] = ""
			continue
		}
		name := depFileName(s)
		for base, i := name, 2; taken[name]; i++ {
			name = base + "_" + strconv.Itoa(i)
		}
		taken[name] = true
		wrappers[s] = depWrapper(imports[s], exports[s])
		entries = append(entries, api.EntryPoint{InputPath: depsNamespace + ":" + s, OutputPath: name})
		urls[s] = o.DepsURL + name + ".js"
	}
	if len(entries) == 0 {
		return urls, os.RemoveAll(o.DepsDir)
	}
	condition := depsNodeEnv(o)
	res := api.Build(api.BuildOptions{
		EntryPointsAdvanced: entries,
		AbsWorkingDir:       o.Root,
		Outdir:              o.DepsDir,
		Bundle:              true,
		Format:              api.FormatESModule,
		Splitting:           true,
		Platform:            api.PlatformBrowser,
		ChunkNames:          "chunk-[hash]",
		PublicPath:          o.DepsURL, // the URLs of a package's assets
		Sourcemap:           api.SourceMapLinked,
		SourcesContent:      api.SourcesContentInclude,
		Target:              api.ESNext,
		Define:              map[string]string{"process.env.NODE_ENV": strconv.Quote(depsNodeEnv(o))},
		MainFields:          []string{"browser", "module", "main"},
		Conditions:          []string{"module", "browser", condition},
		Charset:             api.CharsetUTF8,
		LogLevel:            api.LogLevelSilent,
		Loader:              depsLoaders(),
		Plugins:             []api.Plugin{wrapperPlugin(wrappers, imports)},
	})
	if err := newError("dependencies", res.Errors); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(o.DepsDir); err != nil {
		return nil, fmt.Errorf("pre-bundle dependencies: %w", err)
	}
	for _, f := range res.OutputFiles {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return nil, fmt.Errorf("pre-bundle dependencies: %w", err)
		}
		if err := os.WriteFile(f.Path, f.Contents, 0o644); err != nil {
			return nil, fmt.Errorf("pre-bundle dependencies: %w", err)
		}
	}
	return urls, nil
}

// depsNodeEnv is NODE_ENV as the app build sets it: any mode but
// production is development.
func depsNodeEnv(o FrontendOptions) string {
	if o.Mode == "production" {
		return "production"
	}
	return "development"
}

// depsLoaders take the files packages import besides scripts, as the app
// build does (a package's own CSS keeps it out of the pre-bundle).
func depsLoaders() map[string]api.Loader {
	loaders := map[string]api.Loader{".json": api.LoaderJSON}
	for _, ext := range assetExts {
		loaders[ext] = api.LoaderFile
	}
	return loaders
}

// wrapperPlugin serves each dependency's entry: its re-exports.
func wrapperPlugin(wrappers, imports map[string]string) api.Plugin {
	return api.Plugin{
		Name: "valet-dep-wrappers",
		Setup: func(build api.PluginBuild) {
			build.OnResolve(api.OnResolveOptions{Filter: `^` + depsNamespace + `:`},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					return api.OnResolveResult{Path: args.Path[len(depsNamespace)+1:], Namespace: depsNamespace}, nil
				})
			build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: depsNamespace},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					src := wrappers[args.Path]
					return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS,
						ResolveDir: filepath.Dir(imports[args.Path])}, nil
				})
		},
	}
}

// depWrapper re-exports a package entry by name. A CommonJS module has no
// static exports: its names come from evaluating it, and default is
// module.exports (or its default when it sets __esModule), as Vite does.
func depWrapper(file string, e depExports) string {
	q := strconv.Quote(filepath.ToSlash(file))
	var b strings.Builder
	if !e.cjs {
		fmt.Fprintf(&b, "export * from %s;\n", q)
		if e.deflt {
			fmt.Fprintf(&b, "export { default } from %s;\n", q)
		}
		return b.String()
	}
	// esbuild's interop gives ns.default = module.exports, or
	// module.exports.default when __esModule is set.
	fmt.Fprintf(&b, "import * as __valet_ns from %s;\nexport default __valet_ns.default;\n", q)
	if len(e.names) > 0 {
		fmt.Fprintf(&b, "export const { %s } = __valet_ns;\n", strings.Join(e.names, ", "))
	}
	return b.String()
}

var jsIdent = regexp.MustCompile(`^[A-Za-z_$][\w$]*$`)

// jsReserved cannot be the name of an exported const.
const jsReserved = `break case catch class const continue debugger default delete do else enum export
	extends false finally for function if import in instanceof new null return super switch this throw true try
	typeof var void while with yield let static implements interface package private protected public await arguments eval`

// exportName: a name a wrapper can export as a const.
func exportName(n string) bool {
	return jsIdent.MatchString(n) && !slices.Contains(strings.Fields(jsReserved), n) && n != "__esModule" && !strings.HasPrefix(n, "__valet")
}

// analyzeDeps finds each entry's module format and exports. ESM entries
// have static exports (esbuild's metafile lists them); CommonJS entries
// are bundled to scripts and evaluated by Node with NODE_ENV set.
func analyzeDeps(o FrontendOptions, specs []string, imports map[string]string) (map[string]depExports, error) {
	base := api.BuildOptions{
		AbsWorkingDir: o.Root,
		Outdir:        filepath.Join(o.DepsDir, "_analyze"),
		Bundle:        true,
		Platform:      api.PlatformBrowser,
		Define:        map[string]string{"process.env.NODE_ENV": strconv.Quote(depsNodeEnv(o))},
		MainFields:    []string{"browser", "module", "main"},
		Conditions:    []string{"module", "browser", depsNodeEnv(o)},
		Metafile:      true,
		Loader:        depsLoaders(),
		LogLevel:      api.LogLevelSilent,
		Target:        api.ESNext,
	}
	esm := base
	esm.Format = api.FormatESModule
	for _, s := range specs {
		esm.EntryPointsAdvanced = append(esm.EntryPointsAdvanced, api.EntryPoint{InputPath: imports[s], OutputPath: depFileName(s) + "_" + strconv.Itoa(len(esm.EntryPointsAdvanced))})
	}
	res := api.Build(esm)
	if err := newError("dependencies", res.Errors); err != nil {
		return nil, err
	}
	var mf struct {
		Inputs  map[string]struct{ Format string } `json:"inputs"`
		Outputs map[string]struct {
			EntryPoint string   `json:"entryPoint"`
			Exports    []string `json:"exports"`
			CSSBundle  string   `json:"cssBundle"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &mf); err != nil {
		return nil, fmt.Errorf("pre-bundle dependencies: %w", err)
	}
	byEntry := map[string]depExports{}
	for _, out := range mf.Outputs {
		if out.EntryPoint == "" {
			continue
		}
		e := depExports{cjs: mf.Inputs[out.EntryPoint].Format == "cjs", css: out.CSSBundle != ""}
		for _, n := range out.Exports {
			if n == "default" {
				e.deflt = true
			}
		}
		byEntry[filepath.Clean(filepath.Join(o.Root, filepath.FromSlash(out.EntryPoint)))] = e
	}
	// Each CommonJS entry is bundled on its own, in parallel, then all are
	// evaluated by one Node process.
	all := make([]depExports, len(specs))
	scripts := make([][]byte, len(specs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, s := range specs {
		all[i] = byEntry[filepath.Clean(imports[s])]
		if !all[i].cjs || all[i].css {
			continue
		}
		g.Go(func() error {
			script, err := cjsScript(base, imports[s])
			if err != nil {
				all[i].unknown = true
			}
			scripts[i] = script
			return nil
		})
	}
	g.Wait()
	names := cjsExports(scripts)
	for i := range specs {
		if scripts[i] == nil {
			continue
		}
		if names[i] == nil {
			all[i].unknown = true
			continue
		}
		all[i].names = names[i]
	}
	out := map[string]depExports{}
	for i, s := range specs {
		out[s] = all[i]
	}
	return out, nil
}

// cjsScript bundles a CommonJS entry as a script assigning its
// module.exports to __valet_dep.
func cjsScript(base api.BuildOptions, file string) ([]byte, error) {
	b := base
	b.EntryPoints = []string{file}
	b.Format = api.FormatIIFE
	b.GlobalName = "__valet_dep"
	b.Metafile = false
	res := api.Build(b)
	if err := newError("dependency", res.Errors); err != nil {
		return nil, err
	}
	if len(res.OutputFiles) == 0 {
		return nil, fmt.Errorf("%s: no output", file)
	}
	return res.OutputFiles[0].Contents, nil
}

// cjsEval is run by Node: each script in a context of its own, with enough
// of a browser for a module's top level to run, and the names on its
// module.exports listed (null when it throws).
const cjsEval = `const vm = require("vm"), fs = require("fs");
const out = [];
for (const f of JSON.parse(fs.readFileSync(0, "utf8"))) {
  if (!f) { out.push(null); continue; }
  try {
    const noop = () => {};
    const ctx = vm.createContext({
      console: { log: noop, warn: noop, error: noop, info: noop, debug: noop, trace: noop },
      setTimeout: () => 0, clearTimeout: noop,
    });
    vm.runInContext("var window = globalThis, self = globalThis;", ctx);
    vm.runInContext(fs.readFileSync(f, "utf8"), ctx, { filename: f, timeout: 5000 });
    const v = ctx.__valet_dep;
    out.push(v === undefined || v === null ? [] : Object.keys(v));
  } catch (e) { out.push(null); }
}
process.stdout.write(JSON.stringify(out));`

// cjsExports lists the export names of each script (nil for a script that
// is nil, that threw, or when Node is missing: such a package is imported
// by its default export only, which always works).
func cjsExports(scripts [][]byte) [][]string {
	out := make([][]string, len(scripts))
	node, err := exec.LookPath("node")
	if err != nil {
		return out
	}
	dir, err := os.MkdirTemp("", "valet-cjs-")
	if err != nil {
		return out
	}
	defer os.RemoveAll(dir)
	files := make([]string, len(scripts))
	some := false
	for i, sc := range scripts {
		if sc == nil {
			continue
		}
		files[i] = filepath.Join(dir, strconv.Itoa(i)+".js")
		if os.WriteFile(files[i], sc, 0o644) != nil {
			files[i] = ""
			continue
		}
		some = true
	}
	if !some {
		return out
	}
	in, _ := json.Marshal(files)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", cjsEval)
	cmd.Stdin = bytes.NewReader(in)
	res, err := cmd.Output()
	if err != nil {
		return out
	}
	var got [][]string
	if json.Unmarshal(res, &got) != nil || len(got) != len(scripts) {
		return out
	}
	for i, names := range got {
		if names == nil {
			continue
		}
		kept := []string{}
		for _, k := range names {
			if k != "default" && exportName(k) {
				kept = append(kept, k)
			}
		}
		slices.Sort(kept)
		out[i] = kept
	}
	return out
}
