package runtime

import (
	"testing"

	"github.com/dop251/goja"
)

func TestQuoteClassFields(t *testing.T) {
	cases := []struct{ src, want string }{
		{"class C {\n  set = (k, v) => {\n    this.m[k] = v;\n  };\n  get = (k) => this.m[k];\n}", "class C {\n  \"set\"=(k, v) => {\n    this.m[k] = v;\n  };\n  \"get\"=(k) => this.m[k];\n}"},
		{"class C{x=1;set=(k,v)=>{};async=2}", "class C{x=1;\"set\"=(k,v)=>{};\"async\"=2}"},
		{"class C {\n  static get = 1;\n}", "class C {\n  static \"get\"=1;\n}"},
	}
	for _, c := range cases {
		got, ok := quoteClassFields(c.src)
		if !ok || got != c.want {
			t.Errorf("quoteClassFields(%q) = %q, %v; want %q", c.src, got, ok, c.want)
		}
		if _, err := goja.Compile("t.js", got, false); err != nil {
			t.Errorf("%q does not parse: %v", got, err)
		}
	}
	if _, ok := quoteClassFields("const a = b === c;\nlet x = { get y() { return 1 } };"); ok {
		t.Error("rewrote a script without such fields")
	}
}

// A worker whose class has fields named get, set and async runs: esbuild
// keeps class fields (goja has them) and the runtime quotes those names.
func TestClassFieldsNamedLikeAccessors(t *testing.T) {
	w := startWorker(t, `
class Store {
  #m = new Map();
  set = (k: string, v: string) => { this.#m.set(k, v); return this; };
  get = (k: string) => this.#m.get(k);
  async = true;
  static #count = 0;
  static next() { return ++Store.#count; }
  static has(o: object) { return #m in o; }
}
export default {
  fetch() {
    const s = new Store().set("a", "1");
    return new Response(s.get("a") + " " + s.async + " " + Store.next() + " " + Store.has(s) + " " + Store.has({}));
  },
};`, nil)
	_, body := w.get(t, "/")
	if body != "1 true 1 true false" {
		t.Fatalf("body %q", body)
	}
}
