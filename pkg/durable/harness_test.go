package durable

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/runtime"
)

// app is a worker with Durable Objects served over real HTTP on 127.0.0.1.
type app struct {
	reg  *Registry
	pool *runtime.Pool
	srv  *httptest.Server
	logs *events.Recorder
}

// bundleTS bundles worker source (TypeScript, ESM) with pkg/bundle.
func bundleTS(t testing.TB, dir, src string) *bundle.WorkerResult {
	t.Helper()
	entry := filepath.Join(dir, "worker.ts")
	if err := os.WriteFile(entry, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := bundle.Worker(bundle.WorkerOptions{Entry: entry, Root: dir})
	if err != nil {
		t.Fatalf("bundle: %v", err)
	}
	return res
}

// startApp runs src with opts (App, Bindings set by the caller).
func startApp(t testing.TB, src string, opts Options) *app {
	t.Helper()
	w := bundleTS(t, t.TempDir(), src)
	rec := &events.Recorder{}
	if opts.Events == nil {
		opts.Events = events.NewEmitter(rec)
	}
	if opts.App == "" {
		opts.App = "test"
	}
	reg, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := runtime.New(runtime.Options{Script: w.Script, SourceMap: w.SourceMap, Env: reg.Bindings(), Isolates: 2, Dev: true, Logs: opts.Events})
	if err != nil {
		_ = reg.Close()
		t.Fatal(err)
	}
	reg.Attach(pool)
	a := &app{reg: reg, pool: pool, srv: httptest.NewServer(pool), logs: rec}
	t.Cleanup(a.close)
	return a
}

func (a *app) close() {
	a.srv.Close()
	_ = a.reg.Close()
	_ = a.pool.Close()
}

func (a *app) do(t testing.TB, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (a *app) get(t testing.TB, path string) string {
	t.Helper()
	code, body := a.do(t, "GET", path, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return body
}

func newReq(url, n string) (*http.Request, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err == nil && n != "" {
		req.Header.Set("x-n", n)
	}
	return req, err
}

func doReq(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
