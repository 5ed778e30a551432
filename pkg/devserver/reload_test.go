package devserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// The pre-bundled packages are served from the deps directory, revalidated
// each time (their names do not change with their content), and nothing
// outside it.
func TestServeDeps(t *testing.T) {
	dir := t.TempDir()
	deps := filepath.Join(dir, "deps")
	if err := os.MkdirAll(deps, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(deps, "react.js"), "export default 1;\n")
	write(t, filepath.Join(dir, "secret.txt"), "no")
	l := newLive()
	l.depsDir = deps
	srv := httptest.NewServer(reloadHandler(l, http.NotFoundHandler()))
	defer srv.Close()
	get := func(path string) (int, string, http.Header) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	code, body, h := get("/__valet/deps/react.js")
	if code != 200 || body != "export default 1;\n" || h.Get("Cache-Control") != "no-cache" {
		t.Errorf("react.js: %d %q %v", code, body, h)
	}
	if ct := h.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("react.js Content-Type %q", ct)
	}
	for _, p := range []string{"/__valet/deps/../secret.txt", "/__valet/deps/%2e%2e%2fsecret.txt", "/__valet/deps/", "/__valet/deps/missing.js"} {
		if code, body, _ := get(p); code == 200 {
			t.Errorf("%s: %d %q, want an error", p, code, body)
		}
	}
}
