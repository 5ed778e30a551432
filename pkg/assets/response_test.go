package assets

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestContentTypes(t *testing.T) {
	s := newTestServer(t, Options{})
	for target, want := range map[string]string{
		"/about":                    "text/html; charset=utf-8",
		"/assets/style.css":         "text/css; charset=utf-8",
		"/assets/app-abc123.js":     "text/javascript; charset=utf-8",
		"/data.json":                "application/json",
		"/logo.png":                 "image/png",
		"/bin":                      "",
		"/.well-known/security.txt": "text/plain; charset=utf-8",
	} {
		if got := do(s, "GET", target).Header().Get("Content-Type"); got != want {
			t.Errorf("GET %s Content-Type = %q, want %q", target, got, want)
		}
	}
}

// TestUnknownTypeNotSniffed: Cloudflare sends no Content-Type for an
// extension it does not know; net/http must not sniff one either.
func TestUnknownTypeNotSniffed(t *testing.T) {
	s := newTestServer(t, Options{})
	w := do(s, "GET", "/bin")
	if ct, ok := w.Header()["Content-Type"]; !ok || len(ct) != 0 {
		t.Errorf("Content-Type = %q (present %v), want present and empty", ct, ok)
	}
}

func TestETagAndConditionalRequests(t *testing.T) {
	s := newTestServer(t, Options{})
	w := do(s, "GET", "/about")
	etag := w.Header().Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
		t.Fatalf("ETag = %q, want a strong 32-hex hash", etag)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=0, must-revalidate" {
		t.Errorf("Cache-Control = %q", cc)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		w := do(s, "GET", "/about", "If-None-Match", inm)
		if w.Code != 304 || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s = %d body %d ETag %q, want 304", inm, w.Code, w.Body.Len(), w.Header().Get("ETag"))
		}
	}
	if w := do(s, "GET", "/about", "If-None-Match", `"other"`); w.Code != 200 {
		t.Errorf("If-None-Match other = %d, want 200", w.Code)
	}
	// Same content at another path: same ETag; different content: another.
	if other := do(s, "GET", "/blog/").Header().Get("ETag"); other == etag {
		t.Errorf("different files share ETag %s", etag)
	}
	if w := do(s, "GET", "/about", "Authorization", "Bearer x"); w.Header().Get("Cache-Control") != "" {
		t.Errorf("Cache-Control with Authorization = %q, want none", w.Header().Get("Cache-Control"))
	}
}

func TestRanges(t *testing.T) {
	s := newTestServer(t, Options{})
	full := do(s, "GET", "/assets/app-abc123.js").Body.String()
	w := do(s, "GET", "/assets/app-abc123.js", "Range", "bytes=0-4", "Accept-Encoding", "gzip")
	if w.Code != 206 || w.Body.String() != full[:5] || w.Header().Get("Content-Encoding") != "" {
		t.Errorf("single range = %d %q enc %q", w.Code, w.Body.String(), w.Header().Get("Content-Encoding"))
	}
	if cr := w.Header().Get("Content-Range"); cr != "bytes 0-4/"+itoa(len(full)) {
		t.Errorf("Content-Range = %q", cr)
	}
	if w := do(s, "GET", "/about", "Range", "bytes=0-1"); w.Code != 206 || w.Header().Get("Cache-Control") != "" {
		t.Errorf("range response = %d with Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	w = do(s, "GET", "/assets/app-abc123.js", "Range", "bytes=0-1,10-12")
	if w.Code != 206 || !strings.HasPrefix(w.Header().Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("multi range = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if w := do(s, "GET", "/assets/app-abc123.js", "Range", "bytes=999999-"); w.Code != 416 {
		t.Errorf("unsatisfiable range = %d, want 416", w.Code)
	}
	etag := do(s, "GET", "/about").Header().Get("ETag")
	if w := do(s, "GET", "/about", "Range", "bytes=0-1", "If-Range", `"stale"`); w.Code != 200 {
		t.Errorf("If-Range stale = %d, want 200 (full body)", w.Code)
	}
	if w := do(s, "GET", "/about", "Range", "bytes=0-1", "If-Range", etag); w.Code != 206 {
		t.Errorf("If-Range current = %d, want 206", w.Code)
	}
}

func TestCompression(t *testing.T) {
	s := newTestServer(t, Options{})
	plain := do(s, "GET", "/assets/app-abc123.js")
	if plain.Header().Get("Content-Encoding") != "" || plain.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("identity: encoding %q vary %q", plain.Header().Get("Content-Encoding"), plain.Header().Get("Vary"))
	}
	for _, ae := range []string{"gzip", "gzip, deflate, br", "br;q=1, gzip;q=0.5", "*"} {
		w := do(s, "GET", "/assets/app-abc123.js", "Accept-Encoding", ae)
		if w.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q", ae, w.Header().Get("Content-Encoding"))
			continue
		}
		if w.Header().Get("Content-Length") != itoa(w.Body.Len()) {
			t.Errorf("Content-Length %q for %d bytes", w.Header().Get("Content-Length"), w.Body.Len())
		}
		zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(zr)
		if !bytes.Equal(got, plain.Body.Bytes()) {
			t.Errorf("gunzipped body differs from the file")
		}
		if !strings.HasPrefix(w.Header().Get("ETag"), `W/"`) {
			t.Errorf("gzip ETag %q is not weak", w.Header().Get("ETag"))
		}
		// The weak ETag still revalidates.
		if w2 := do(s, "GET", "/assets/app-abc123.js", "Accept-Encoding", ae, "If-None-Match", w.Header().Get("ETag")); w2.Code != 304 {
			t.Errorf("revalidate gzip = %d", w2.Code)
		}
	}
	for _, ae := range []string{"gzip;q=0", "br", "identity", "*;q=0"} {
		if w := do(s, "GET", "/assets/app-abc123.js", "Accept-Encoding", ae); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q got gzip", ae)
		}
	}
	// Small files and binary types are never compressed.
	for _, target := range []string{"/about", "/logo.png"} {
		if w := do(s, "GET", target, "Accept-Encoding", "gzip"); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s compressed", target)
		}
	}
}

func TestHeadersFile(t *testing.T) {
	s := newTestServer(t, Options{})
	w := do(s, "GET", "/headers/page")
	if w.Code != 200 || w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("X-Custom") != "page" {
		t.Errorf("/headers/page: %d %v", w.Code, w.Header())
	}
	if w.Header().Get("Cache-Control") != "" {
		t.Errorf("! Cache-Control did not remove it: %q", w.Header().Get("Cache-Control"))
	}
	if cc := do(s, "GET", "/assets/style.css").Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("/assets/style.css Cache-Control = %q", cc)
	}
	// _headers applies to the assets' 404s and redirects too.
	if w := do(s, "GET", "/headers/nope"); w.Code != 404 || w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("/headers/nope: %d %v", w.Code, w.Header())
	}
}

func TestRedirectsFile(t *testing.T) {
	var warnings []string
	s := newTestServer(t, Options{Warn: func(m string) { warnings = append(warnings, m) }})
	runTable(t, s, []want{
		{"/old", 301, "/about"},
		{"/old?a=b", 301, "/about?a=b"},
		{"/gone", 302, "https://elsewhere.example/page"},
		{"/gone?x=1", 302, "https://elsewhere.example/page?x=1"},
		{"/blog/posts/hello", 308, "/blog/hello"},
		{"/users/42", 302, "/about?user=42"},
		{"/users/42?user=7", 302, "/about?user=42"},
		{"/rewrite", 200, "about"},
		{"/rewrite-missing", 404, ""},
		{"/anything", 404, ""}, // "/* /index.html" is refused as a loop
	})
	if len(warnings) != 1 || !strings.Contains(warnings[0], "_redirects:7") {
		t.Errorf("warnings = %q, want the loop on line 7", warnings)
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), "<title>v1</title>")
	s := newTestServer(t, Options{Dir: dir})
	runTable(t, s, []want{{"/", 200, "v1"}, {"/new", 404, ""}})
	etag1 := do(s, "GET", "/").Header().Get("ETag")

	write(t, filepath.Join(dir, "index.html"), "<title>v2 longer</title>")
	write(t, filepath.Join(dir, "new.html"), "<title>new</title>")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	runTable(t, s, []want{{"/", 200, "v2 longer"}, {"/new", 200, "new"}})
	if etag2 := do(s, "GET", "/").Header().Get("ETag"); etag2 == etag1 {
		t.Errorf("ETag unchanged after the content changed")
	}

	// A failed reload keeps serving the last good snapshot.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil {
		t.Errorf("Reload of a deleted directory = nil error")
	}
	if w := do(s, "GET", "/new"); w.Code != 200 {
		t.Errorf("after failed reload GET /new = %d", w.Code)
	}
}

func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), strings.Repeat("<title>x</title>", 200))
	s := newTestServer(t, Options{Dir: dir})
	done := make(chan struct{})
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- ""
					return
				default:
				}
				if w := do(s, "GET", "/", "Accept-Encoding", "gzip"); w.Code != 200 {
					errs <- "GET / = " + itoa(w.Code)
					return
				}
			}
		}()
	}
	for i := range 20 {
		write(t, filepath.Join(dir, "index.html"), strings.Repeat("<title>x</title>", 200+i))
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 4 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestLookup covers each branch of Cloudflare's canFetch: what the edge
// may take from the assets before it asks the worker.
func TestLookup(t *testing.T) {
	for _, c := range []struct {
		name       string
		notFound   string
		prefers    bool
		static     bool
		method     string
		navigate   bool
		path       string
		wantOK     bool
		wantStatus int
	}{
		{"file", NotFoundSPA, false, false, "GET", false, "/about", true, 200},
		{"missing, fetch", NotFoundSPA, true, false, "GET", false, "/api/x", false, 0},
		{"missing, navigation, flag on", NotFoundSPA, true, false, "GET", true, "/app/route", true, 200},
		{"missing, navigation, flag off, static routing", NotFoundSPA, false, true, "GET", true, "/app/route", true, 200},
		{"missing, navigation, flag off, no static routing", NotFoundSPA, false, false, "GET", true, "/app/route", false, 0},
		{"redirect", NotFoundSPA, false, false, "GET", false, "/about.html", true, 307},
		{"_redirects rule", NotFoundSPA, false, false, "GET", false, "/old", true, 301},
		{"static routing, SPA, fetch", NotFoundSPA, true, true, "GET", false, "/app/route", true, 200},
		{"static routing, SPA, HEAD", NotFoundSPA, false, true, "HEAD", false, "/app/route", true, 200},
		{"static routing, SPA, POST is 405", NotFoundSPA, true, true, "POST", false, "/app/route", true, 405},
		{"static routing, 404-page, fetch", NotFound404Page, true, true, "GET", false, "/docs/x", true, 404},
		{"static routing, none: the worker's", NotFoundNone, true, true, "GET", true, "/app/route", false, 0},
		{"no static routing, POST: the worker's", NotFoundSPA, true, false, "POST", false, "/app/route", false, 0},
	} {
		s := newTestServer(t, Options{NotFoundHandling: c.notFound, NavigationPrefersAssets: c.prefers})
		r := httptestRequest(c.method, c.path)
		if c.navigate {
			r.Header.Set("Sec-Fetch-Mode", "navigate")
		}
		m, ok := s.Lookup(r, c.static)
		if ok != c.wantOK || m.Status != c.wantStatus {
			t.Errorf("%s: Lookup(%s %s) = %v %d, want %v %d", c.name, c.method, c.path, ok, m.Status, c.wantOK, c.wantStatus)
		}
	}
}

func TestNavigationPrefersAssets(t *testing.T) {
	for _, c := range []struct {
		date  string
		flags []string
		want  bool
	}{
		{"2025-03-31", nil, false},
		{"2025-04-01", nil, true},
		{"2024-01-01", []string{"assets_navigation_prefers_asset_serving"}, true},
		{"2026-01-01", []string{"assets_navigation_has_no_effect"}, false},
	} {
		if got := NavigationPrefersAssets(c.date, c.flags); got != c.want {
			t.Errorf("NavigationPrefersAssets(%s, %v) = %v", c.date, c.flags, got)
		}
	}
}
