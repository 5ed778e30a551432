package devserver

import (
	"io"
	"net/http"
	"testing"
)

// TestContainerAppClientRoutes: the reference app (the container-app
// template) under valet dev serves its index.html at client-side routes
// from the assets, as wrangler dev does with run_worker_first ["/api/*"]:
// a browser's navigation and a fetch() alike, and without running the
// worker (X-Valet-Route says who answered); /api/* is the worker's.
func TestContainerAppClientRoutes(t *testing.T) {
	dir := containerApp(t)
	s := startDev(t, dir)
	_, index := get(t, s.url+"/")
	for _, c := range []struct {
		path, route, ctype string
	}{
		{"/", "asset", "text/html; charset=utf-8"},
		{"/about", "asset", "text/html; charset=utf-8"},
		{"/some/deep/route", "asset", "text/html; charset=utf-8"},
		{"/api/health", "worker", "application/json"},
	} {
		for _, mode := range []string{"", "navigate"} {
			req, _ := http.NewRequest("GET", s.url+c.path, nil)
			if mode != "" {
				req.Header.Set("Sec-Fetch-Mode", mode)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			got := res.Header.Get("X-Valet-Route")
			if res.StatusCode != 200 || got != c.route || res.Header.Get("Content-Type") != c.ctype {
				t.Errorf("GET %s (Sec-Fetch-Mode %q) = %d %q from %s, want 200 %q from %s", c.path, mode, res.StatusCode, res.Header.Get("Content-Type"), got, c.ctype, c.route)
			}
			if c.route == "asset" && string(b) != index {
				t.Errorf("GET %s (Sec-Fetch-Mode %q) is not index.html: %.80q", c.path, mode, b)
			}
		}
	}
}
