package bundle

import (
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

func TestNamesWord(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		want       bool
	}{
		{"property", `export default { fetch(r) { return new Response(r.cf.colo) } }`, true},
		{"optional chain", `const c = r.cf?.country;`, true},
		{"destructured", `const { cf } = request;`, true},
		{"renamed", `const { cf: where } = request;`, true},
		{"computed string", `request["cf"]`, true},
		{"template", "request[`cf`]", true},
		{"escaped identifier", `request.\u0063f`, true},
		{"escaped string", `request["\x63f"]`, true},
		{"inside a longer string counts", `h.get("cf-connecting-ip")`, true},
		{"unparsable code with the word", `request.cf +++ )`, true},
		{"a line comment only", "// request.cf is the colo\nexport default {}", false},
		{"a block comment only", "/**\n * c.req.raw.cf?.hostMetadata\n */\nclass A { raw; }", false},
		{"a longer identifier", `const cfg = 1, $cf = 2, cf_x = 3, xcf = 4;`, false},
		{"a non-ASCII neighbour", `const écf = 1;`, false},
		{"built at run time", `request[["c", "f"].join("")]`, false},
		{"built at run time, then folded by the parse", "/* cf */ request[\"c\" + \"f\"]", true},
		{"no word at all", `export default { fetch() { return new Response("ok") } }`, false},
	} {
		if got := NamesWord([]byte(tc.code), "cf"); got != tc.want {
			t.Errorf("%s: NamesWord(%q) = %v, want %v", tc.name, tc.code, got, tc.want)
		}
	}
}

func TestModulesName(t *testing.T) {
	script := []byte(`import h from "./h.js"; export default { fetch: h }`)
	other := Module{Name: "h.js", Type: ModuleESM, Content: []byte(`export default (r) => new Response(r.cf.colo)`)}
	text := Module{Name: "t.txt", Type: ModuleText, Content: []byte(`request.cf`)}
	if !ModulesName(script, []Module{other}, "cf") {
		t.Error("a module beside the script names cf: want true")
	}
	if ModulesName(script, []Module{text}, "cf") {
		t.Error("only a text module has cf: want false (no code runs it)")
	}
}

func FuzzNamesWord(f *testing.F) {
	for _, s := range []string{`r.cf`, `// cf`, `"cf"`, "/* cf */ x", `cf`, `a/b/cf`, `"\\x63f"`, "`${cf}`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		commented := "/* cf */\n" + code
		if !parses(code) || !parses(commented) {
			return
		}
		// A comment naming the word changes nothing in code that parses.
		if a, b := NamesWord([]byte(code), "cf"), NamesWord([]byte(commented), "cf"); a != b {
			t.Fatalf("NamesWord(%q) = %v, but %v with a comment naming cf before it", code, a, b)
		}
	})
}

func parses(code string) bool {
	return len(api.Transform(code, api.TransformOptions{Loader: api.LoaderJS, LogLevel: api.LogLevelSilent}).Errors) == 0
}
