package bundle

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

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
		{"a comment after code counts", "x(); // r.cf", true},
		{"code after a closed block comment", "/* a */ r.cf", true},
		{"a block opened inside a string", `s = "/*"; r.cf`, true},
		{"a comment line in a template", "s = `\n// ${r.cf}\n`", true},
		{"a block line in a template", "s = `\n/*\n ${r.cf} */`", true},
		{"after a line comment ended by CR", "// x\rr.cf", true},
		{"after a line comment ended by U+2028", "// x\u2028r.cf", true},
		{"a generator method", "class A {\n  *cf() {}\n}", true},
		{"a line comment", "// request.cf is the colo\nexport default {}", false},
		{"an indented line comment", "if (x) {\n    // r.cf\n}", false},
		{"a block comment", "/**\n * c.req.raw.cf?.hostMetadata\n */\nclass A { raw; }", false},
		{"an indented block comment", "class A {\n  /**\n  * const m = c.req.raw.cf?.hostMetadata?\n  */\n  raw;\n}", false},
		{"documentation with code in it", "class A {\n  /**\n  * ```ts\n  * const m = c.req.raw.cf?.hostMetadata?\n  * ```\n  */\n  raw;\n}", false},
		{"a longer identifier", `const cfg = 1, $cf = 2, cf_x = 3, xcf = 4;`, false},
		{"a non-ASCII neighbour", `const écf = 1, cfπ = 2;`, false},
		{"a non-breaking space after it", "r.cf\u00a0;", true},
		{"built at run time", `request[["c", "f"].join("")]`, false},
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

// FuzzNamesWord holds NamesWord to esbuild's parse: code whose comments
// esbuild drops still names the word, NamesWord finds it.
func FuzzNamesWord(f *testing.F) {
	for _, s := range []string{`r.cf`, `// cf`, `"cf"`, "/* cf */ x", `cf`, `a/b/cf`, `"\x63f"`,
		"/**\n * cf\n */\nx.cf", "x = 1 // cf\n/* cf */ y.cf", "s = '/*'\ncf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		// esbuild folds constant strings ("c" + "f", `${"c"}f`): code that
		// builds the name, which NamesWord does not see.
		if strings.Contains(code, "+") || strings.Contains(code, "${") {
			return
		}
		r := api.Transform(code, api.TransformOptions{Loader: api.LoaderJS, MinifyWhitespace: true,
			LegalComments: api.LegalCommentsNone, Charset: api.CharsetUTF8, LogLevel: api.LogLevelSilent})
		if len(r.Errors) > 0 {
			return
		}
		if hasWord(r.Code, "cf") && !NamesWord([]byte(code), "cf") {
			t.Fatalf("NamesWord(%q) = false, but the code names cf: %s", code, r.Code)
		}
	})
}

// hasWord reports whether text has word with no identifier character on
// either side.
func hasWord(text []byte, word string) bool {
	for i := 0; ; {
		j := bytes.Index(text[i:], []byte(word))
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		before, _ := utf8.DecodeLastRune(text[:start])
		after, _ := utf8.DecodeRune(text[end:])
		if !identRune(before) && !identRune(after) {
			return true
		}
		i = start + 1
	}
}
