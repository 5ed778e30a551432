package assets

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseHeaders(t *testing.T) {
	rules, invalid := parseHeaders(strings.Join([]string{
		"# comment",
		"/secure/*",
		"  X-Frame-Options: DENY",
		"  X-Frame-Options: SAMEORIGIN",
		"  ! Server",
		"https://:sub.example.com/*",
		"  X-Sub: :sub",
		"X-Orphan: 1",
		"/empty",
		"/bad",
		"  no colon here",
		"  : novalue",
		"  Name With Space: x",
		"  X-Empty:",
		"/ok",
		"  Link: <https://x.example>; rel=preload",
	}, "\n"))
	if len(rules) != 3 {
		t.Fatalf("rules = %+v", rules)
	}
	if got := rules[0].set; len(got) != 1 || got[0][1] != "DENY, SAMEORIGIN" {
		t.Errorf("repeated header = %v", got)
	}
	if len(invalid) != 6 {
		t.Errorf("invalid = %q", invalid)
	}
	h := http.Header{"Server": {"x"}}
	rules.apply(h, "api.example.com", "/secure/page")
	if h.Get("Server") != "" || h.Get("X-Frame-Options") != "DENY, SAMEORIGIN" || h.Get("X-Sub") != "api" {
		t.Errorf("applied = %v", h)
	}
	h = http.Header{}
	rules.apply(h, "other.test", "/ok")
	if h.Get("Link") != "<https://x.example>; rel=preload" {
		t.Errorf("value with colon = %q", h.Get("Link"))
	}
}

func TestParseRedirects(t *testing.T) {
	rules, invalid := parseRedirects(strings.Join([]string{
		"/a /b",
		"/a /c", // duplicate
		"/x /y 418",
		"/p/:id/:id_2 /q/:id_2/:id 301",
		"/s/* /t/:splat # comment",
		"/ /index.html",
		"/only-one",
		"/ext https://example.com/x 200",
		"relative /x",
	}, "\n"), HTMLAutoTrailingSlash)
	if len(invalid) != 6 {
		t.Errorf("invalid = %q", invalid)
	}
	for _, c := range []struct {
		path, to string
		status   int
	}{
		{"/a", "/b", 302},
		{"/p/1/2", "/q/2/1", 301},
		{"/s/deep/er", "/t/deep/er", 302},
	} {
		status, to, ok := rules.match("h", c.path)
		if !ok || status != c.status || to != c.to {
			t.Errorf("match %s = %d %q %v, want %d %q", c.path, status, to, ok, c.status, c.to)
		}
	}
	// A splat can never produce a protocol-relative "//host" target.
	rules, _ = parseRedirects("/go/* /:splat 302", HTMLAutoTrailingSlash)
	if _, to, _ := rules.match("h", "/go//evil.example"); strings.HasPrefix(to, "//") {
		t.Errorf("splat redirect to %q", to)
	}
}

func TestIgnore(t *testing.T) {
	l := parseIgnore("*.map\n/build/\n!keep.map\nnode_modules\n**/tmp/*.txt\n")
	for rel, want := range map[string]bool{
		"_headers":        true,
		"sub/_headers":    false,
		".assetsignore":   true,
		"app.js.map":      true,
		"deep/app.js.map": true,
		"keep.map":        false,
		"node_modules":    true,
		"a/node_modules":  true,
		"a/tmp/x.txt":     true,
		"index.html":      false,
	} {
		if got := l.ignored(rel, false); got != want {
			t.Errorf("ignored(%q) = %v, want %v", rel, got, want)
		}
	}
	if !l.ignored("build", true) || l.ignored("build", false) {
		t.Errorf("dir-only pattern mismatch")
	}
	if l2 := parseIgnore("!_headers"); l2.ignored("_headers", false) {
		t.Errorf("!_headers did not opt the file back in")
	}
}

func FuzzParseHeaders(f *testing.F) {
	f.Add("/a/*\n  X: :splat\n  ! Y\nhttps://:h.example/:p\n  Z: :h :p\n")
	f.Add("/:a:b*\n X: 1")
	f.Fuzz(func(t *testing.T, content string) {
		rules, _ := parseHeaders(content)
		h := http.Header{}
		for _, p := range []string{"/", "/a/b", "/x:y/z"} {
			rules.apply(h, "h.example", p)
		}
	})
}

func FuzzParseRedirects(f *testing.F) {
	f.Add("/a /b 301\n/c/* /d/:splat\n/:x/:y /:y/:x 200\n")
	f.Add("https://:sub.example/* https://x.example/:sub 308")
	f.Fuzz(func(t *testing.T, content string) {
		rules, _ := parseRedirects(content, HTMLAutoTrailingSlash)
		for _, p := range []string{"/", "/a", "/c/x//y", "/%2F/x"} {
			_, to, ok := rules.match("h.example", p)
			if ok && !hasProtocol.MatchString(to) && strings.Contains(to, "//") {
				t.Fatalf("relative target %q keeps a double slash", to)
			}
		}
	})
}

// An empty splat is replaced by "", not left as ":splat".
func TestEmptySplatReplaced(t *testing.T) {
	p, err := compileRulePattern("/about/*")
	if err != nil {
		t.Fatal(err)
	}
	groups, ok := p.match("example.com", "/about/")
	if !ok {
		t.Fatal("no match")
	}
	if got := replacePlaceholders("[:splat]", groups); got != "[]" {
		t.Errorf("replaced = %q, want []", got)
	}
}
