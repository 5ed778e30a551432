package durable

import (
	"context"
	"strings"
	"testing"
)

func TestMissingExports(t *testing.T) {
	src := `export class Present { fetch() { return new Response("ok"); } }
export const NotAClass = 1;
export default { fetch() { return new Response("foo"); } };`
	a := startApp(t, src, Options{Bindings: []Binding{{Name: "A", Class: "Present"}, {Name: "B", Class: "FooBar"}}, Classes: []string{"NotAClass"}})
	err := a.reg.MissingExports(context.Background(), a.pool, "src/index.js")
	if err == nil {
		t.Fatal("no error for FooBar, which the worker does not export")
	}
	for _, want := range []string{"FooBar, NotAClass.", "You should export these objects from your entrypoint, src/index.js"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Present") {
		t.Errorf("error %q names Present, which is exported", err)
	}
	ok := startApp(t, src, Options{Bindings: []Binding{{Name: "A", Class: "Present"}}})
	if err := ok.reg.MissingExports(context.Background(), ok.pool, "src/index.js"); err != nil {
		t.Errorf("all exported: %v", err)
	}
}
