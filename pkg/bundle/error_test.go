package bundle

import (
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

func TestErrorFormat(t *testing.T) {
	err := newError("frontend", []api.Message{
		{Text: "Unexpected \"}\"", Location: &api.Location{File: "src/ü.ts", Line: 3, Column: 9, Length: 1, LineText: "\tconst é = }"}},
		{Text: "Could not resolve \"x\"", Location: &api.Location{File: "valet-html:index.html", Namespace: "valet-html", Line: 1, Column: 7, Length: 3, LineText: "import \"x\";"},
			Notes: []api.Note{{Text: "You can mark the path \"x\" as external"}}},
		{Text: "no location", PluginName: "other"},
	})
	want := `build frontend: 3 errors
src/ü.ts:3:9: error: Unexpected "}"
  3 |  const é = }
    |         ^
index.html:1:8: error: Could not resolve "x"
  1 | import "x";
    |        ^^^
  note: is "x" installed? run npm install (or npm install x if package.json lacks it)
error: [plugin other] no location`
	if err.Error() != want {
		t.Errorf("got:\n%s\nwant:\n%s", err, want)
	}
	if newError("worker", nil) != nil {
		t.Error("no messages, yet an error")
	}
	one := newError("worker", []api.Message{{Text: "x"}}).Error()
	if !strings.HasPrefix(one, "build worker: 1 error\n") {
		t.Errorf("singular: %q", one)
	}
}

func TestUnresolvedPackage(t *testing.T) {
	for text, want := range map[string]string{
		`Could not resolve "react"`:             "react",
		`Could not resolve "react/jsx-runtime"`: "react",
		`Could not resolve "@scope/pkg/sub"`:    "@scope/pkg",
		`Could not resolve "./local"`:           "",
		`Could not resolve "node:fs"`:           "",
		`Unexpected "}"`:                        "",
	} {
		got, ok := unresolvedPackage(text)
		if got != want || ok != (want != "") {
			t.Errorf("unresolvedPackage(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
}
