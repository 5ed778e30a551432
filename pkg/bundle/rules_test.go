package bundle

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The matches below are what wrangler 4.86's glob-to-regexp gives for these
// globs and paths (run in node), without and with globstar.
func TestGlobRegexpMatchesAsWrangler(t *testing.T) {
	paths := []string{"./data/hello.txt", "hello.txt", "data/hello.txt", "a/b/c.txt", "./add.wasm?module",
		"add.wasm?module", "add.wasm", "lang/en.js", "./lang/en.js", "lang/sub/en.js", "page.html", "x/page.html",
		"src/data/x.bin", "src/a/b/data/x.bin", "src/data/sub/x.bin", "a,b/{x}.[t]xt", "anything/at/all"}
	cases := []struct {
		glob     string
		globstar bool
		match    []string
	}{
		{"**/*.txt", false, []string{"./data/hello.txt", "data/hello.txt", "a/b/c.txt"}},
		{"**/*.txt", true, []string{"./data/hello.txt", "hello.txt", "data/hello.txt", "a/b/c.txt"}},
		{"**/*.wasm?module", false, []string{"./add.wasm?module"}},
		{"**/*.wasm?module", true, []string{"./add.wasm?module", "add.wasm?module"}},
		{"lang/*.js", false, []string{"lang/en.js", "lang/sub/en.js"}},
		{"lang/*.js", true, []string{"lang/en.js"}},
		{"*.html", false, []string{"page.html", "x/page.html"}},
		{"*.html", true, []string{"page.html"}},
		{"src/**/data/*.bin", false, []string{"src/a/b/data/x.bin"}},
		{"src/**/data/*.bin", true, []string{"src/data/x.bin", "src/a/b/data/x.bin"}},
		{"a,b/{x}.[t]xt", false, []string{"a,b/{x}.[t]xt"}},
		{"a,b/{x}.[t]xt", true, []string{"a,b/{x}.[t]xt"}},
		{"**", false, paths},
		{"**", true, paths},
	}
	for _, c := range cases {
		re := regexp.MustCompile(globRegexp(c.glob, c.globstar))
		var got []string
		for _, p := range paths {
			if re.MatchString(p) {
				got = append(got, p)
			}
		}
		if !slices.Equal(got, c.match) {
			t.Errorf("%s (globstar %v) = %s matches %q, want %q", c.glob, c.globstar, re, got, c.match)
		}
	}
}

func TestParseRules(t *testing.T) {
	yes, no := true, false
	p, err := parseRules([]ModuleRule{
		{Type: "Data", Globs: []string{"**/*.html"}, Fallthrough: &yes},
		{Type: "Text", Globs: []string{"**/*.md"}},
		{Type: "CompiledWasm", Globs: []string{"**/*.wasm"}, Fallthrough: &no},
	})
	if err != nil {
		t.Fatal(err)
	}
	var kept, removed []string
	for _, r := range p.rules {
		kept = append(kept, r.Type+" "+strings.Join(r.Globs, ","))
	}
	for _, r := range p.removed {
		removed = append(removed, r.Type+" "+strings.Join(r.Globs, ","))
	}
	// A rule that falls through leaves the default of its type in place;
	// one that does not removes it.
	if want := []string{"Data **/*.html", "Text **/*.md", "CompiledWasm **/*.wasm", "Data **/*.bin"}; !slices.Equal(kept, want) {
		t.Errorf("rules = %q, want %q", kept, want)
	}
	if want := []string{"Text **/*.txt,**/*.html,**/*.sql", "CompiledWasm **/*.wasm,**/*.wasm?module"}; !slices.Equal(removed, want) {
		t.Errorf("removed = %q, want %q", removed, want)
	}
	// fallthrough: false silences the warning, an unset one does not.
	if len(p.warnings) != 1 || !strings.Contains(p.warnings[0], `{"type":"Text","globs":["**/*.md"]} does not fall through`) ||
		!strings.Contains(p.warnings[0], "**/*.sql\"]} (default)") {
		t.Errorf("warnings = %q", p.warnings)
	}
	if _, err := parseRules([]ModuleRule{{Type: "PythonModule", Globs: []string{"*.py"}}}); err == nil || !strings.Contains(err.Error(), `unknown type "PythonModule"`) {
		t.Errorf("err = %v", err)
	}
}
