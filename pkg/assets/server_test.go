package assets

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const site = "../../testdata/assets/site"

func newTestServer(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Dir == "" {
		o.Dir = site
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func do(s http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func title(body string) string {
	_, rest, ok := strings.Cut(body, "<title>")
	if !ok {
		return ""
	}
	t, _, _ := strings.Cut(rest, "</title>")
	return t
}

// check asserts a status and either the Location (for redirects) or the
// page title (for HTML).
type want struct {
	target string
	status int
	what   string // Location for 3xx, <title> for 200/404, "" for an empty body
}

func runTable(t *testing.T, s *Server, cases []want) {
	t.Helper()
	for _, c := range cases {
		w := do(s, "GET", c.target)
		got := title(w.Body.String())
		if w.Code >= 300 && w.Code < 400 {
			got = w.Header().Get("Location")
		} else if got == "" {
			got = w.Body.String()
		}
		if w.Code != c.status || got != c.what {
			t.Errorf("GET %s = %d %q, want %d %q", c.target, w.Code, got, c.status, c.what)
		}
	}
}

func TestHTMLHandlingAutoTrailingSlash(t *testing.T) {
	s := newTestServer(t, Options{})
	runTable(t, s, []want{
		{"/", 200, "home"},
		{"/index.html", 307, "/"},
		{"/index", 307, "/"},
		{"/about", 200, "about"},
		{"/about.html", 307, "/about"},
		{"/about/", 307, "/about"},
		{"/about/index", 307, "/about"},
		{"/about/index.html", 307, "/about"},
		{"/about.html?x=1", 307, "/about?x=1"},
		{"/blog", 307, "/blog/"},
		{"/blog.html", 307, "/blog/"},
		{"/blog/", 200, "blog"},
		{"/blog/index", 307, "/blog/"},
		{"/blog/index.html", 307, "/blog/"},
		{"/both", 200, "both.html"},
		{"/both/", 200, "both/index.html"},
		{"/both.html", 307, "/both"},
		{"/both/index.html", 307, "/both/"},
		{"/docs/guide", 200, "guide"},
		{"/nope", 404, ""},
		{"/docs/nope", 404, ""},
	})
}

func TestHTMLHandlingForceTrailingSlash(t *testing.T) {
	s := newTestServer(t, Options{HTMLHandling: HTMLForceTrailingSlash})
	runTable(t, s, []want{
		{"/", 200, "home"},
		{"/index.html", 307, "/"},
		{"/about", 307, "/about/"},
		{"/about/", 200, "about"},
		{"/about.html", 307, "/about/"},
		{"/about/index", 307, "/about/"},
		{"/about/index.html", 307, "/about/"},
		{"/blog", 307, "/blog/"},
		{"/blog/", 200, "blog"},
		{"/blog.html", 307, "/blog/"},
		{"/blog/index.html", 307, "/blog/"},
		{"/both.html", 200, "both.html"},
		{"/both/", 200, "both/index.html"},
	})
}

func TestHTMLHandlingDropTrailingSlash(t *testing.T) {
	s := newTestServer(t, Options{HTMLHandling: HTMLDropTrailingSlash})
	runTable(t, s, []want{
		{"/", 200, "home"},
		{"/index.html", 307, "/"},
		{"/index", 307, "/"},
		{"/about", 200, "about"},
		{"/about/", 307, "/about"},
		{"/about.html", 307, "/about"},
		{"/blog", 200, "blog"},
		{"/blog/", 307, "/blog"},
		{"/blog/index.html", 307, "/blog"},
		{"/blog.html", 307, "/blog"},
		{"/both", 200, "both.html"},
		{"/both/index.html", 200, "both/index.html"},
	})
}

func TestHTMLHandlingNone(t *testing.T) {
	s := newTestServer(t, Options{HTMLHandling: HTMLNone})
	runTable(t, s, []want{
		{"/", 404, ""},
		{"/index.html", 200, "home"},
		{"/about", 404, ""},
		{"/about.html", 200, "about"},
		{"/blog/", 404, ""},
		{"/blog/index.html", 200, "blog"},
	})
}

func TestNotFoundHandling(t *testing.T) {
	t.Run("404-page walks up to the nearest 404.html", func(t *testing.T) {
		s := newTestServer(t, Options{NotFoundHandling: NotFound404Page})
		runTable(t, s, []want{
			{"/nope", 404, "not found"},
			{"/docs", 404, "not found"},
			{"/docs/nope", 404, "docs not found"},
			{"/docs/a/b/c.png", 404, "docs not found"},
			{"/about", 200, "about"},
		})
		if ct := do(s, "GET", "/nope").Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("404 page Content-Type = %q", ct)
		}
	})
	t.Run("single-page-application serves /index.html with 200", func(t *testing.T) {
		s := newTestServer(t, Options{NotFoundHandling: NotFoundSPA})
		runTable(t, s, []want{
			{"/app/settings", 200, "home"},
			{"/docs/nope", 200, "home"},
			{"/about", 200, "about"},
			{"/assets/missing.js", 200, "home"},
		})
	})
	t.Run("none answers an empty 404", func(t *testing.T) {
		s := newTestServer(t, Options{})
		w := do(s, "GET", "/nope")
		if w.Code != 404 || w.Body.Len() != 0 {
			t.Errorf("GET /nope = %d %q", w.Code, w.Body.String())
		}
	})
}

func TestPathsNeverEscape(t *testing.T) {
	s := newTestServer(t, Options{NotFoundHandling: NotFoundNone})
	runTable(t, s, []want{
		{"/secret.txt", 404, ""},
		{"/private/key.txt", 404, ""},
		{"/_headers", 404, ""},
		{"/_redirects", 404, ""},
		{"/.assetsignore", 404, ""},
		{"/../../etc/passwd", 404, ""},
		{"/%2e%2e/%2e%2e/etc/passwd", 404, ""},
		{"/..%2f..%2fetc%2fpasswd", 404, ""},
		{"/assets/..%5c..%5cetc/passwd", 404, ""},
		{"/%00", 404, ""},
		{"/about%00.html", 404, ""},
		{"/a/../about", 200, "about"},
		{"/docs/%2e%2e/about", 200, "about"},
		{"//about", 307, "/about"},
		{"//evil.example/", 404, ""},
		{"/[boop]", 307, "/%5Bboop%5D"},
		{"/%5Bboop%5D", 200, "boop"},
		{"/caf%C3%A9", 200, "cafe"},
		{"/caf%c3%a9", 307, "/caf%C3%A9"},
		{"/.well-known/security.txt", 200, "contact: mailto:security@example.com\n"},
	})
	// A directory is never listed.
	if w := do(s, "GET", "/assets/"); w.Code != 404 {
		t.Errorf("GET /assets/ = %d, want 404", w.Code)
	}
}

func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.txt"), "secret")
	write(t, filepath.Join(dir, "index.html"), "<title>home</title>")
	symlink(t, filepath.Join(outside, "secret.txt"), filepath.Join(dir, "leak.txt"))
	symlink(t, outside, filepath.Join(dir, "leakdir"))
	symlink(t, filepath.Join(dir, "index.html"), filepath.Join(dir, "alias.html"))
	var warnings []string
	var mu sync.Mutex
	s := newTestServer(t, Options{Dir: dir, Warn: func(m string) { mu.Lock(); warnings = append(warnings, m); mu.Unlock() }})
	runTable(t, s, []want{
		{"/leak.txt", 404, ""},
		{"/leakdir/secret.txt", 404, ""},
		{"/alias", 200, "home"},
	})
	if len(warnings) != 2 {
		t.Errorf("warnings = %q, want one per outside symlink", warnings)
	}
}

// TestSymlinksInsideProject: links to the project's own files and folders
// outside the assets directory are served; links out of the project are
// not, and the warning names each.
func TestSymlinksInsideProject(t *testing.T) {
	project := t.TempDir()
	outside := t.TempDir()
	dir := filepath.Join(project, "public")
	write(t, filepath.Join(outside, "secret.txt"), "secret")
	write(t, filepath.Join(dir, "index.html"), "<title>home</title>")
	write(t, filepath.Join(project, "shared", "logo.svg"), "<svg/>")
	write(t, filepath.Join(project, "shared", "icons", "a.txt"), "icon a")
	symlink(t, "../shared/logo.svg", filepath.Join(dir, "logo.svg"))
	symlink(t, filepath.Join(project, "shared", "icons"), filepath.Join(dir, "icons"))
	symlink(t, filepath.Join(outside, "secret.txt"), filepath.Join(dir, "leak.txt"))
	var warnings []string
	var mu sync.Mutex
	s := newTestServer(t, Options{Dir: dir, Project: project, Warn: func(m string) { mu.Lock(); warnings = append(warnings, m); mu.Unlock() }})
	runTable(t, s, []want{
		{"/logo.svg", 200, "<svg/>"},
		{"/icons/a.txt", 200, "icon a"},
		{"/leak.txt", 404, ""},
	})
	if len(warnings) != 1 || !strings.Contains(warnings[0], "leak.txt") || !strings.Contains(warnings[0], "outside the project") {
		t.Errorf("warnings = %q, want one naming leak.txt", warnings)
	}
}

func TestMethods(t *testing.T) {
	s := newTestServer(t, Options{})
	w := do(s, "POST", "/about")
	if w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /about = %d Allow %q, want 405", w.Code, w.Header().Get("Allow"))
	}
	if w := do(s, "POST", "/nope"); w.Code != 404 {
		t.Errorf("POST /nope = %d, want 404", w.Code)
	}
	w = do(s, "HEAD", "/about")
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "36" {
		t.Errorf("HEAD /about = %d len %d Content-Length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestNew_Errors(t *testing.T) {
	for _, o := range []Options{
		{Dir: "/does/not/exist"},
		{Dir: filepath.Join(site, "index.html")},
		{Dir: site, NotFoundHandling: "spa"},
		{Dir: site, HTMLHandling: "auto"},
		{},
	} {
		if o.Dir == "" {
			o.Dir = ""
			if _, err := New(o); err == nil {
				t.Errorf("New(%+v) = nil error", o)
			}
			continue
		}
		_, err := New(o)
		if err == nil {
			t.Errorf("New(%+v) = nil error", o)
			continue
		}
		if !strings.Contains(err.Error(), "assets") {
			t.Errorf("New(%+v) error %q does not name the setting", o, err)
		}
	}
}

func body(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	b, err := io.ReadAll(w.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
