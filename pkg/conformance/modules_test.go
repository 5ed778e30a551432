package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
)

// TestModules checks the bundling cases wrangler's fixtures exercise:
// Text modules by wrangler's default rules, alias, define, nodejs_compat
// built-ins, .env as secrets (worker-app), errors, redirects and cookies.
func TestModules(t *testing.T) {
	d := startDev(t, "modules", "")
	t.Run("html and txt imports are Text modules", func(t *testing.T) {
		expect(t, d.get(t, "/html"), 200, "<h1>imported html</h1>")
		expect(t, d.get(t, "/text"), 200, "imported text")
	})
	t.Run("alias", func(t *testing.T) { expect(t, d.get(t, "/alias"), 200, "hello, valet") })
	t.Run("define", func(t *testing.T) { expect(t, d.get(t, "/define"), 200, `{"build":"build-42","flag":true}`) })
	t.Run("nodejs_compat imports", func(t *testing.T) { expect(t, d.get(t, "/node"), 200, "hello") })
	t.Run("relative import", func(t *testing.T) { expect(t, d.get(t, "/now"), 200, "true") })
	t.Run(".env when there is no .dev.vars", func(t *testing.T) {
		if r := d.get(t, "/env"); r.body != `"bar"` {
			t.Errorf("/env = %q, want \"bar\"", r.body)
		}
	})
	t.Run("uncaught error renders a page in dev", func(t *testing.T) {
		// A browser (or fetch's default Accept: */*) gets a page, as from wrangler dev.
		r := d.get(t, "/error", "Accept: */*")
		expect(t, r, 500, "Oops!")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q, want text/html", ct)
		}
		// curl gets the plain stack, mapped to the source: wrangler dev 4.86
		// answers "Error: Oops!\n    at Object.fetch (file:///<dir>/src/index.ts:27:11)"
		// on this fixture (checked with curl); valet names the file relative
		// to the project.
		p := d.get(t, "/error", "User-Agent: curl/8.0")
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("curl should get the plain stack, got %q", p.Header.Get("Content-Type"))
		}
		if p.StatusCode != 500 || p.body != "Error: Oops!\n    at Object.fetch (src/index.ts:27:11)" {
			t.Errorf("GET /error from curl = %d %q", p.StatusCode, p.body)
		}
		// The error goes to the log with its mapped stack.
		logged := false
		for _, e := range d.rec.Events() {
			if e.Kind == events.Log && e.Level == "error" && e.Source == "worker" && strings.Contains(e.Message, "Uncaught Error: Oops!\n    at Object.fetch (src/index.ts:27:11)") {
				logged = true
			}
		}
		if !logged {
			t.Error("the uncaught error is not in the log with its mapped stack")
		}
	})
	t.Run("Response.redirect", func(t *testing.T) {
		r := d.do(t, noRedirect, "GET", "/redirect")
		expect(t, r, 302, "")
		expectHeader(t, r, "Location", d.url+"/foo")
	})
	t.Run("several Set-Cookie headers", func(t *testing.T) {
		got := d.get(t, "/cookie").Header.Values("Set-Cookie")
		if !slices.Equal(got, []string{"hello=world; Domain=127.0.0.1", "hello2=world2; Secure"}) {
			t.Errorf("Set-Cookie = %q", got)
		}
	})
	t.Run("URL passes through unchanged", func(t *testing.T) {
		r := d.get(t, "//thing?a=1", "X-Test-URL: true")
		if r.body != d.url+"//thing?a=1" {
			t.Errorf("request.url = %q, want %q", r.body, d.url+"//thing?a=1")
		}
	})
}

// TestNodejsCompat replays fixtures/nodejs-hybrid-app's imports: the Node
// built-ins npm packages use, and process.env populated from vars (the
// nodejs_compat_populate_process_env default from 2025-04-01). workerd
// provides them under nodejs_compat, as on Cloudflare: a module missing is
// a failure, never a skip.
func TestNodejsCompat(t *testing.T) {
	d := startDev(t, "nodejs-compat", "")
	r := d.get(t, "/")
	expect(t, r, 200, `"events":"hello"`)
	for _, want := range []string{`"join":"/a/c"`, `"format":"n=42"`, `"als":"ctx"`,
		`"sha1":"a9993e364706816aba3e25717850c26c9cd0d89d"`, `"env":"127.0.0.1"`, `"processEnv":"127.0.0.1"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("body %s lacks %s", r.body, want)
		}
	}
}
