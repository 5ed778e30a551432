package bundle

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// nodeBuiltins are Node's modules importable without the `node:` prefix
// (Node's module.builtinModules). workerd with nodejs_compat serves every
// one of them, natively or through wrangler's unenv polyfills, and a bare
// `buffer` or `events` means the builtin there even when an npm package of
// that name is installed, so the builtin wins here too.
var nodeBuiltins = []string{
	"assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster",
	"console", "constants", "crypto", "dgram", "diagnostics_channel", "dns",
	"dns/promises", "domain", "events", "fs", "fs/promises", "http", "http2",
	"https", "inspector", "inspector/promises", "module", "net", "os", "path",
	"path/posix", "path/win32", "perf_hooks", "process", "punycode", "querystring",
	"readline", "readline/promises", "repl", "stream", "stream/consumers",
	"stream/promises", "stream/web", "string_decoder", "sys", "timers",
	"timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types",
	"v8", "vm", "wasi", "worker_threads", "zlib",
}

// builtinFilter matches the bare Node builtins.
func builtinFilter() string {
	quoted := make([]string, len(nodeBuiltins))
	for i, n := range nodeBuiltins {
		quoted[i] = regexp.QuoteMeta(n)
	}
	return `^(` + strings.Join(quoted, "|") + `)$`
}

// builtinsPlugin leaves the runtime's own modules to the runtime: any
// `cloudflare:*`, `node:*` or `workerd:*` import stays an import, and with
// nodejs_compat a bare Node builtin (`buffer`) is imported as `node:buffer`,
// as wrangler does. Without nodejs_compat a bare builtin resolves from
// node_modules like any package, and the error for a missing one says to
// turn the flag on.
//
// A require() of a builtin (CommonJS packages such as pg do
// require("events")) cannot stay a require: the bundle is an ES module,
// where esbuild's require shim throws "Dynamic require of ... is not
// supported". As wrangler does, such a require loads a small CommonJS
// module of the bundle that imports the builtin and exports its default
// (or its namespace, for a module without one).
func builtinsPlugin(nodeCompat bool) api.Plugin {
	return api.Plugin{
		Name: "valet-builtins",
		Setup: func(build api.PluginBuild) {
			external := func(path string) func(api.OnResolveArgs) (api.OnResolveResult, error) {
				return func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					if args.Kind == api.ResolveJSRequireCall {
						return api.OnResolveResult{Path: path + args.Path, Namespace: requiredBuiltin}, nil
					}
					return api.OnResolveResult{Path: path + args.Path, External: true}, nil
				}
			}
			build.OnResolve(api.OnResolveOptions{Filter: `^(cloudflare|node|workerd):`}, external(""))
			build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: requiredBuiltin},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					// node:* modules export module.exports as their
					// default; cloudflare:* ones may have no default.
					src := fmt.Sprintf("import * as builtin from %q;\nmodule.exports = \"default\" in builtin ? builtin.default : builtin;\n", args.Path)
					return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
				})
			if !nodeCompat {
				return
			}
			build.OnResolve(api.OnResolveOptions{Filter: builtinFilter()}, external("node:"))
		},
	}
}

// requiredBuiltin is the namespace of the modules a require() of a
// builtin loads.
const requiredBuiltin = "valet-required-builtin"
