package bundle

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

const htmlNamespace = "valet-html"

// clientEnv is what the code and the HTML see of the environment.
type clientEnv struct {
	define map[string]string // esbuild defines
	html   map[string]string // %NAME% replacements in HTML
	key    string            // identity of define, to know when to recreate the context
}

// metaEnv builds import.meta.env as Vite does: MODE, DEV, PROD, BASE_URL,
// SSR and every exposed variable, as one object and as single keys (so that
// import.meta.env.VITE_X is replaced by its value, not by a lookup).
func metaEnv(o FrontendOptions, vars map[string]string) clientEnv {
	dev := o.Mode != "production"
	obj := map[string]any{
		"MODE": o.Mode, "DEV": dev, "PROD": !dev, "BASE_URL": o.Base, "SSR": false,
	}
	env := clientEnv{define: map[string]string{}, html: map[string]string{}}
	for k, v := range vars {
		obj[k] = v
	}
	for k, v := range obj {
		b, _ := json.Marshal(v)
		env.define["import.meta.env."+k] = string(b)
		if s, ok := v.(string); ok {
			env.html[k] = s
		} else {
			env.html[k] = string(b)
		}
	}
	b, _ := json.Marshal(obj)
	env.define["import.meta.env"] = string(b)
	nodeEnv := "production"
	if dev {
		nodeEnv = "development"
	}
	env.define["process.env.NODE_ENV"] = strconv.Quote(nodeEnv)
	key, _ := json.Marshal(env.define)
	env.key = string(key)
	return env
}

// buildOptions are esbuild's settings for a Vite-like output: ESM with
// code splitting, everything under assets/ with content hashes.
func (c *FrontendContext) buildOptions(define map[string]string) api.BuildOptions {
	o := c.opts
	entries := make([]api.EntryPoint, len(o.Entries))
	taken := map[string]bool{}
	for i, e := range o.Entries {
		// Named after the HTML file, as Vite does: index.html -> assets/index-[hash].js.
		name := strings.TrimSuffix(path.Base(e), ".html")
		entries[i] = api.EntryPoint{InputPath: htmlNamespace + ":" + e, OutputPath: name}
		taken[name] = true
	}
	plugins := []api.Plugin{c.htmlPlugin(), vitePlugin(o.Root, o.PublicDir, o.Base)}
	if c.hotEnabled() {
		entries = append(entries, c.moduleEntries(taken)...)
		plugins = append(plugins, refreshPlugin(o.Root, &c.hot.refresh))
	}
	if c.depsEnabled() {
		plugins = append(plugins, c.depsPlugin())
	}
	loaders := map[string]api.Loader{".module.css": api.LoaderLocalCSS, ".json": api.LoaderJSON}
	for _, ext := range assetExts {
		loaders[ext] = api.LoaderFile
	}
	condition := "production"
	if o.Mode != "production" {
		condition = "development"
	}
	b := api.BuildOptions{
		EntryPointsAdvanced: entries,
		AbsWorkingDir:       o.Root,
		Outdir:              o.OutDir,
		Write:               false,
		Bundle:              true,
		Format:              api.FormatESModule,
		Splitting:           true,
		Platform:            api.PlatformBrowser,
		EntryNames:          "assets/[name]-[hash]",
		ChunkNames:          "assets/[name]-[hash]",
		AssetNames:          "assets/[name]-[hash]",
		PublicPath:          o.Base,
		// React's automatic runtime, as @vitejs/plugin-react; the import
		// source defaults to "react" and follows tsconfig's jsxImportSource.
		JSX:               api.JSXAutomatic,
		JSXDev:            o.Dev,
		Define:            define,
		Alias:             o.Alias,
		Tsconfig:          o.Tsconfig,
		Loader:            loaders,
		ResolveExtensions: []string{".mjs", ".js", ".mts", ".ts", ".jsx", ".tsx", ".json", ".css"},
		MainFields:        []string{"browser", "module", "main"},
		Conditions:        []string{"module", "browser", condition},
		Charset:           api.CharsetUTF8,
		Metafile:          true,
		LogLevel:          api.LogLevelSilent,
		Plugins:           plugins,
	}
	if o.Dev {
		b.Sourcemap = api.SourceMapInline
		if o.Hot {
			// Fetched only by devtools: a reload does not parse them.
			b.Sourcemap = api.SourceMapLinked
		}
		b.SourcesContent = api.SourcesContentInclude
		b.Target = api.ESNext
	} else {
		b.MinifyWhitespace, b.MinifyIdentifiers, b.MinifySyntax = true, true, true
		// Vite 7's default build target, 'baseline-widely-available'.
		b.Engines = []api.Engine{
			{Name: api.EngineChrome, Version: "107"}, {Name: api.EngineEdge, Version: "107"},
			{Name: api.EngineFirefox, Version: "104"}, {Name: api.EngineSafari, Version: "16"},
		}
	}
	return b
}

// htmlPlugin serves each HTML entry as a virtual module importing what its
// tags load; the entries are re-read at every Rebuild.
func (c *FrontendContext) htmlPlugin() api.Plugin {
	return api.Plugin{
		Name: "valet-html",
		Setup: func(build api.PluginBuild) {
			build.OnResolve(api.OnResolveOptions{Filter: `^` + htmlNamespace + `:`},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					return api.OnResolveResult{Path: args.Path[len(htmlNamespace)+1:], Namespace: htmlNamespace}, nil
				})
			build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: htmlNamespace},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					c.entriesMu.Lock()
					e := c.entries[args.Path]
					c.entriesMu.Unlock()
					if e == nil {
						return api.OnLoadResult{}, fmt.Errorf("no HTML entry %s", args.Path)
					}
					src := e.imports()
					return api.OnLoadResult{
						Contents: &src, Loader: api.LoaderJS,
						ResolveDir: filepath.Dir(e.Abs),
					}, nil
				})
		},
	}
}
