package conformance

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestAssetsWorker replays fixtures/workers-with-assets: assets first, the
// user worker for the rest, the ASSETS binding, _headers, _redirects,
// .assetsignore, encoded names, dot files and 405s.
func TestAssetsWorker(t *testing.T) {
	d := startDev(t, "assets-worker", "")

	t.Run("static asset content", func(t *testing.T) {
		expect(t, d.get(t, "/index.html"), 200, "<h1>Hello Workers + Assets World 🚀!</h1>")
		expect(t, d.get(t, "/about/index.html"), 200, "Learn more about Workers with Assets soon!")
	})
	t.Run("falls back to the worker", func(t *testing.T) {
		expect(t, d.get(t, "/no-assets-here"), 200, "worker: GET /no-assets-here")
	})
	t.Run("slash is index.html", func(t *testing.T) {
		expect(t, d.get(t, "/"), 200, "Hello Workers + Assets World")
	})
	t.Run("content types", func(t *testing.T) {
		for _, c := range []struct{ path, ct string }{
			{"/index.html", "text/html; charset=utf-8"},
			{"/README.md", "text/markdown; charset=utf-8"},
			{"/yay.txt", "text/plain; charset=utf-8"},
			{"/lava-lamps.jpg", "image/jpeg"},
		} {
			r := d.get(t, c.path)
			expect(t, r, 200, "")
			expectHeader(t, r, "Content-Type", c.ct)
		}
		r := d.get(t, "/totallyinvalidextension.greg")
		expect(t, r, 200, "greg")
		if ct, ok := r.Header["Content-Type"]; ok {
			t.Errorf("unknown extension: Content-Type = %q, want none", ct)
		}
	})
	t.Run("405 on assets for other methods", func(t *testing.T) {
		for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS", "PATCH"} {
			r := d.do(t, follow, m, "/index.html")
			if r.StatusCode != 405 || r.Status != "405 Method Not Allowed" {
				t.Errorf("%s /index.html = %q, want 405 Method Not Allowed", m, r.Status)
			}
		}
	})
	t.Run("every method reaches the worker where no asset is", func(t *testing.T) {
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"} {
			if r := d.do(t, follow, m, "/no-assets-here"); r.StatusCode != 200 {
				t.Errorf("%s /no-assets-here = %d, want 200", m, r.StatusCode)
			}
		}
	})
	t.Run("encoded path names", func(t *testing.T) {
		r := d.get(t, "/about/[fünky].txt")
		expect(t, r, 200, "This should work.")
		expect(t, d.get(t, "/about/[boop]"), 200, "[boop].html")
		expect(t, d.get(t, "/about/%5Bboop%5D"), 200, "[boop].html")
		expect(t, d.get(t, "/about/%255Bboop%255D"), 200, "%5Bboop%5D.html")
	})
	t.Run("ASSETS binding", func(t *testing.T) {
		r := d.get(t, "/assets-binding")
		expect(t, r, 200, "<h1>✨This is from a user Worker binding✨</h1>")
		expectHeader(t, r, "Content-Type", "text/html; charset=utf-8")
		expect(t, d.get(t, "/assets-binding-missing"), 200, "asset status 404")
	})
	t.Run("_redirects", func(t *testing.T) {
		r := d.do(t, noRedirect, "GET", "/foo")
		expect(t, r, 302, "")
		expectHeader(t, r, "Location", "/bar")
		want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", "assets-worker", "public", "lava-lamps.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		r = d.get(t, "/pic")
		if r.StatusCode != 200 || r.body != string(want) {
			t.Errorf("/pic (200 rewrite) = %d, %d bytes; want the jpeg", r.StatusCode, len(r.body))
		}
		r = d.do(t, noRedirect, "GET", "/old/a/b")
		expect(t, r, 301, "")
		expectHeader(t, r, "Location", "/new/a/b")
		r = d.do(t, noRedirect, "GET", "/blog/hello")
		expect(t, r, 302, "")
		expectHeader(t, r, "Location", "/posts/hello")
	})
	t.Run("_headers", func(t *testing.T) {
		expectHeader(t, d.get(t, "/"), "X-Header", "Custom-Value")
		expectHeader(t, d.get(t, "/yay.txt"), "X-Robots-Tag", "noindex")
		expectHeader(t, d.get(t, "/yay.txt"), "X-File", "yay")
		// /about/index.html redirects to /about/, whose splat is empty.
		expectHeader(t, d.get(t, "/about/index.html"), "X-About", "[]")
	})
	t.Run(".assetsignore and config files are not served", func(t *testing.T) {
		for _, c := range []struct{ path, secret string }{
			{"/.assetsignore", "ignore-me.txt"},
			{"/ignore-me.txt", "SECRET"},
			{"/_headers", "X-Header"},
			{"/_redirects", "/lava-lamps.jpg"},
		} {
			if r := d.get(t, c.path); containsStr(r.body, c.secret) {
				t.Errorf("%s served %q", c.path, trim(r.body))
			}
		}
	})
	t.Run("files that start with a dot", func(t *testing.T) {
		expect(t, d.get(t, "/.dot"), 200, "hi from .dot/index.html")
		expect(t, d.get(t, "/.dotfile.html"), 200, "hi from .dotfile.html")
	})
	t.Run("vars and .dev.vars", func(t *testing.T) {
		expect(t, d.get(t, "/env"), 200, `{"greeting":"hello","secret":"from .dev.vars"}`)
	})
	t.Run("HEAD of an asset has no body", func(t *testing.T) {
		r := d.do(t, follow, http.MethodHead, "/index.html")
		expect(t, r, 200, "")
		if r.body != "" {
			t.Errorf("HEAD body = %q", r.body)
		}
	})
}
