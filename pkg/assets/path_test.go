package assets

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/projectfs"
)

func TestRemoveDotSegments(t *testing.T) {
	for in, want := range map[string]string{
		"":               "/",
		"/":              "/",
		"/a/b":           "/a/b",
		"/a/./b":         "/a/b",
		"/a/../b":        "/b",
		"/../../b":       "/b",
		"/a/b/..":        "/a/",
		"/a/b/.":         "/a/b/",
		"/a/%2e%2E/b":    "/b",
		"/a/.%2e/b":      "/b",
		"/a/%2e/b":       "/a/b",
		"/a/..%2f/b":     "/a/..%2f/b",
		"/file.html":     "/file.html",
		"/.well-known/x": "/.well-known/x",
	} {
		if got := removeDotSegments(in); got != want {
			t.Errorf("removeDotSegments(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeEncodePath(t *testing.T) {
	for in, want := range map[string]string{
		"/a%20b":      "/a b",
		"/caf%C3%A9":  "/café",
		"/bad%zz":     "/bad%zz",
		"/bad%FF":     "/bad%FF", // not UTF-8: kept, like decodeURIComponent throwing
		"/a%2Fb":      "/a/b",
		"//a///b":     "/a/b",
		"/%2F%2Fevil": "/evil",
	} {
		if got := decodePath(in); got != want {
			t.Errorf("decodePath(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"/a b":        "/a%20b",
		"/[boop]":     "/%5Bboop%5D",
		"/café":       "/caf%C3%A9",
		"/a-_.!~*'()": "/a-_.!~*'()",
		"/a?b#c":      "/a%3Fb%23c",
	} {
		if got := encodePath(in); got != want {
			t.Errorf("encodePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzResolvePath feeds arbitrary request targets through the whole
// resolution: nothing panics, a served file is always one the index holds
// (inside the directory), and an html_handling redirect always stays on the
// site ("/x", never "//host" or "/\host").
func FuzzResolvePath(f *testing.F) {
	for _, seed := range []string{
		"/", "/about", "/about.html", "/blog/index", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f",
		"//evil.example", "/%5C%5Cevil", "/%00", "/caf%C3%A9", "/[boop]", "/a/../../b", "/docs/x/y",
		"/users/1", "/blog/posts/a/b", "/rewrite", "/%2F%2Fevil.example/", "/\\evil", "/.%2e/x",
	} {
		f.Add(seed)
	}
	servers := map[string]*Server{}
	for _, nf := range []string{NotFoundNone, NotFound404Page, NotFoundSPA} {
		for _, hh := range []string{HTMLAutoTrailingSlash, HTMLForceTrailingSlash, HTMLDropTrailingSlash, HTMLNone} {
			servers[nf+"/"+hh] = newTestServer(f, Options{NotFoundHandling: nf, HTMLHandling: hh})
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.ContainsAny(raw, "?#") {
			return // a query or fragment is not part of the path
		}
		u := &url.URL{Path: raw}
		r := &http.Request{Method: "GET", RequestURI: raw, URL: u, Header: http.Header{}, Host: "site.example"}
		if raw == "" || raw[0] != '/' {
			r.RequestURI = ""
		}
		for name, s := range servers {
			ix := s.ix.Load()
			m := s.match(ix, r, s.opts.NotFoundHandling)
			switch m.Kind {
			case KindFile:
				if ix.files[m.Path] != m.e || !projectfs.Within(ix.root, m.e.file) {
					t.Fatalf("%s: %q served %q outside the index", name, raw, m.Path)
				}
			case KindRedirect:
				if m.Status == http.StatusTemporaryRedirect {
					loc := m.Location
					if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
						t.Fatalf("%s: %q redirects off-site to %q", name, raw, loc)
					}
				}
			}
		}
	})
}
