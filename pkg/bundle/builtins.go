package bundle

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

const builtinNamespace = "valet-builtin"

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

// builtinFilter matches what the runtime provides rather than node_modules:
// any `cloudflare:*` or `node:*` specifier, and the bare Node builtins.
func builtinFilter() string {
	quoted := make([]string, len(nodeBuiltins))
	for i, n := range nodeBuiltins {
		quoted[i] = regexp.QuoteMeta(n)
	}
	return `^(cloudflare:|node:|(` + strings.Join(quoted, "|") + `)$)`
}

// builtinSpecifier normalises a specifier to the key the runtime installs
// in globalThis.__valet_modules: `events` and `node:events` are both
// "node:events".
func builtinSpecifier(path string) string {
	if strings.HasPrefix(path, "cloudflare:") || strings.HasPrefix(path, "node:") {
		return path
	}
	return "node:" + path
}

// builtinModule is the source of a virtual module that hands out what the
// runtime installed before evaluating the script, and fails loudly, naming
// the module, when the runtime has no such module.
func builtinModule(specifier string) string {
	q := fmt.Sprintf("%q", specifier)
	return "const m = globalThis.__valet_modules && globalThis.__valet_modules[" + q + "];\n" +
		"if (!m) throw new Error(" + fmt.Sprintf("%q", "valet does not provide module \""+specifier+"\"") + ");\n" +
		"module.exports = m;\n"
}

// builtinsPlugin resolves runtime-provided modules to virtual modules so
// that the worker stays one classic script with no import left in it.
func builtinsPlugin() api.Plugin {
	return api.Plugin{
		Name: "valet-builtins",
		Setup: func(build api.PluginBuild) {
			build.OnResolve(api.OnResolveOptions{Filter: builtinFilter()},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					return api.OnResolveResult{
						Path:      builtinSpecifier(args.Path),
						Namespace: builtinNamespace,
						// An unused import is dropped, so a module the
						// runtime lacks only fails when it is really used.
						SideEffects: api.SideEffectsFalse,
					}, nil
				})
			build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: builtinNamespace},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					src := builtinModule(args.Path)
					return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
				})
		},
	}
}
