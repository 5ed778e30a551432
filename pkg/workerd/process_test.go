package workerd_test

import (
	"context"
	. "github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeModule(t testing.TB, dir, name, src string) Module {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return Module{Name: name, Type: "esModule", Path: p}
}

// appModules writes valet's modules for eo and main as worker.js.
func appModules(t testing.TB, dir string, eo EntryOptions, main string) []Module {
	t.Helper()
	eo.App = "worker.js"
	var mods []Module
	for _, f := range EntryModules(eo) {
		mods = append(mods, writeModule(t, dir, f.Name, f.Source))
	}
	return append(mods, writeModule(t, dir, eo.App, main))
}

// startApp runs main (an ES module) with valet's entry in front of it.
func startApp(t testing.TB, main string, classes []FacadeClass, mutate func(*Config)) (*Process, *Proxy) {
	t.Helper()
	return startEntry(t, main, EntryOptions{HasDefault: true, Classes: classes}, mutate, nil)
}

// startEntry runs main behind the entry eo describes, with workerd's log
// lines to logs (when set).
func startEntry(t testing.TB, main string, eo EntryOptions, mutate func(*Config), logs func(LogLine)) (*Process, *Proxy) {
	t.Helper()
	bin := workerdtest.Binary(t)
	dir := t.TempDir()
	eo.Token = NewToken()
	cfg := &Config{
		Service:           "app",
		CompatibilityDate: "2025-06-01",
		Modules:           appModules(t, dir, eo, main),
		Control:           ControlSource(eo.Token),
	}
	if mutate != nil {
		mutate(cfg)
	}
	sock, err := ShortDir("t")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sock) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := Start(ctx, StartOptions{Binary: bin, Config: cfg, Dir: dir, SocketDir: sock, Logs: logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(context.Background()) })
	px := NewProxy(p.HTTPSocket(), `{"colo":"DFW"}`)
	t.Cleanup(func() { _ = px.Close() })
	return p, px
}

func get(t *testing.T, h http.Handler, method, path string, body io.Reader) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(method, srv.URL+path, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServeThroughProxy(t *testing.T) {
	_, px := startApp(t, `export default { async fetch(req) {
		const u = new URL(req.url);
		const body = req.method === "POST" ? await req.text() : "";
		return new Response(req.method + " " + u.pathname + u.search + " " + body + " cf=" + (req.cf && req.cf.colo), { headers: { "x-test": "1" } });
	} };`, nil, nil)
	resp, body := get(t, px, "GET", "/a/b?x=1", nil)
	if resp.StatusCode != 200 || body != "GET /a/b?x=1  cf=DFW" || resp.Header.Get("x-test") != "1" {
		t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = get(t, px, "POST", "/p", strings.NewReader("hello"))
	if body != "POST /p hello cf=DFW" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

func TestWorkerThatThrowsAtLoad(t *testing.T) {
	bin := workerdtest.Binary(t)
	dir := t.TempDir()
	token := NewToken()
	cfg := &Config{
		Service: "app", CompatibilityDate: "2025-06-01",
		Modules: appModules(t, dir, EntryOptions{HasDefault: true, Token: token}, `throw new Error("broken at load"); export default {};`),
		Control: ControlSource(token),
	}
	sock, _ := ShortDir("t")
	defer os.RemoveAll(sock)
	_, err := Start(context.Background(), StartOptions{Binary: bin, Config: cfg, Dir: dir, SocketDir: sock, Ready: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "broken at load") {
		t.Fatalf("want the load error, got %v", err)
	}
}
