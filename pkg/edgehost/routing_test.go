package edgehost

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"
)

// TestDeployedClientRoutes: a version shaped like the reference app (a
// single-page app, run_worker_first ["/api/*"], a worker that answers the
// API only) serves its index.html at client-side routes on the host, for a
// browser's navigation and a fetch() alike, as Cloudflare does; the worker
// sees the API only.
func TestDeployedClientRoutes(t *testing.T) {
	h := serveHost(t, t.TempDir(), filepath.Join(t.TempDir(), "c.sock"))
	ctx := context.Background()

	const index = "<!doctype html><div id=root></div><script src=/assets/app.js></script>"
	script := `export default { fetch(req) {
		const u = new URL(req.url);
		if (u.pathname.startsWith("/api/")) return Response.json({ api: u.pathname });
		return new Response("the worker: not found", { status: 404 });
	} };`
	cfg := `{"name":"demo","compatibility_date":"2025-06-01",
		"assets":{"directory":"dist","binding":"ASSETS","not_found_handling":"single-page-application","run_worker_first":["/api/*"]},
		"deploy":{"healthcheck":{"path":"/","interval":"50ms","deadline":"2s"}}}`
	m := upload(t, h.store, "tx1", script, map[string]string{"index.html": index, "assets/app.js": "console.log(1)"}, cfg)
	if _, err := h.store.Stage("tx1"); err != nil {
		t.Fatal(err)
	}
	if res, err := activateVia(ctx, h.control, m.Version); err != nil || !res.OK {
		t.Fatalf("activate: %+v %v", res, err)
	}

	for _, c := range []struct {
		path   string
		status int
		ctype  string
		body   string
	}{
		{"/", 200, "text/html; charset=utf-8", index},
		{"/about", 200, "text/html; charset=utf-8", index},
		{"/some/deep/route", 200, "text/html; charset=utf-8", index},
		{"/assets/missing.js", 200, "text/html; charset=utf-8", index},
		{"/assets/app.js", 200, "text/javascript; charset=utf-8", "console.log(1)"},
		{"/api/users", 200, "application/json", `{"api":"/api/users"}`},
	} {
		for _, mode := range []string{"", "navigate", "cors"} {
			req, _ := http.NewRequest("GET", h.url+c.path, nil)
			if mode != "" {
				req.Header.Set("Sec-Fetch-Mode", mode)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.status || res.Header.Get("Content-Type") != c.ctype || string(b) != c.body {
				t.Errorf("GET %s (Sec-Fetch-Mode %q) = %d %q %q, want %d %q %q",
					c.path, mode, res.StatusCode, res.Header.Get("Content-Type"), b, c.status, c.ctype, c.body)
			}
		}
	}
}
