package runtime

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/valet-dev/valet/pkg/events"
)

// bundleWorker bundles files (path → source, entry first in `entry`) the way
// pkg/bundle does: one IIFE named __valet_worker, target es2020, builtin
// modules read from globalThis.__valet_modules, a linked source map.
func bundleWorker(t testing.TB, root string, files map[string]string, entry string) (script, sourceMap []byte) {
	t.Helper()
	if root == "" {
		root = t.TempDir()
	}
	for name, src := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	builtins := api.Plugin{Name: "builtins", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `^(cloudflare|node):`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			return api.OnResolveResult{Path: a.Path, Namespace: "valet-builtin", SideEffects: api.SideEffectsFalse}, nil
		})
		b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "valet-builtin"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src := fmt.Sprintf("const m = globalThis.__valet_modules && globalThis.__valet_modules[%q];\nif (!m) throw new Error(%q);\nmodule.exports = m;\n",
				a.Path, `valet does not provide module "`+a.Path+`"`)
			return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
		})
	}}
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{filepath.Join(root, entry)},
		AbsWorkingDir:     root,
		Outfile:           filepath.Join(root, "worker.js"),
		Bundle:            true,
		Write:             false,
		Format:            api.FormatIIFE,
		GlobalName:        "__valet_worker",
		Platform:          api.PlatformNeutral,
		MainFields:        []string{"browser", "module", "main"},
		Conditions:        []string{"workerd", "worker", "browser"},
		Target:            api.ES2020,
		Supported:         EsbuildSupported(),
		KeepNames:         true,
		Sourcemap:         api.SourceMapLinked,
		SourcesContent:    api.SourcesContentInclude,
		LogLevel:          api.LogLevelSilent,
		Plugins:           []api.Plugin{builtins},
		ResolveExtensions: []string{".tsx", ".ts", ".jsx", ".js", ".mjs", ".cjs", ".json"},
	})
	if len(res.Errors) > 0 {
		t.Fatalf("bundle: %s (%s:%d)", res.Errors[0].Text, res.Errors[0].Location.File, res.Errors[0].Location.Line)
	}
	for _, f := range res.OutputFiles {
		switch {
		case strings.HasSuffix(f.Path, ".map"):
			sourceMap = f.Contents
		case strings.HasSuffix(f.Path, ".js"):
			script = f.Contents
		}
	}
	return script, sourceMap
}

// testWorker is a pool serving a worker on a real 127.0.0.1 listener.
type testWorker struct {
	pool *Pool
	srv  *httptest.Server
	logs *events.Recorder
}

func startWorker(t testing.TB, src string, mod func(*Options)) *testWorker {
	t.Helper()
	script, sm := bundleWorker(t, "", map[string]string{"worker/index.ts": src}, "worker/index.ts")
	rec := &events.Recorder{}
	opts := Options{Script: script, SourceMap: sm, Filename: "worker.js", Isolates: 2, Dev: true, Logs: events.NewEmitter(rec)}
	if mod != nil {
		mod(&opts)
	}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return &testWorker{pool: p, srv: srv, logs: rec}
}

func (w *testWorker) get(t testing.TB, path string) (*http.Response, string) {
	t.Helper()
	return w.do(t, http.MethodGet, path, "", nil)
}

func (w *testWorker) do(t testing.TB, method, path, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (w *testWorker) logLines() []string {
	var out []string
	for _, e := range w.logs.Events() {
		if e.Kind == events.Log {
			out = append(out, e.Step+": "+e.Message)
		}
	}
	return out
}

func newServer(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
