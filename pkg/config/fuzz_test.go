package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes, as JSONC and as TOML: Parse never
// panics, and every diagnostic has a place in the file.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "config", "*", "*"))
	top, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "config", "*.*"))
	for _, name := range append(top, files...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"env": {"a": {"env": {}}, "b": null}, "vars": {"": 1}}`))
	f.Add([]byte(`{"main": "w.js", "assets": {"run_worker_first": ["/api/*", "/api/x", "!/api/d/*", "!/api/d/*", "!/"]}, "env": {"e": {"assets": {"run_worker_first": []}}}}`))
	f.Add([]byte("[assets]\nrun_worker_first = [\"!/x\"]\n"))
	f.Add([]byte("a.b.c = 1\n[[a.b]]\n[x]\ny = [{z = 1}, {z = \"\"\"\n\"\"\"}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"valet.jsonc", "wrangler.toml"} {
			c, diags, err := Parse(name, data)
			if c == nil {
				t.Fatalf("%s: nil config", name)
			}
			hasErr := false
			for _, d := range diags {
				if d.Line < 1 || d.Col < 1 {
					t.Fatalf("%s: diagnostic without a place: %+v", name, d)
				}
				if d.File != name || d.Message == "" || (d.Severity != SeverityError && d.Severity != SeverityWarning) {
					t.Fatalf("%s: malformed diagnostic: %+v", name, d)
				}
				hasErr = hasErr || d.Severity == SeverityError
			}
			if hasErr != (err != nil) {
				t.Fatalf("%s: err = %v with diagnostics %v", name, err, diags)
			}
			if err != nil && !strings.Contains(err.Error(), diags[0].Message) {
				t.Fatalf("%s: Error() lacks the first diagnostic", name)
			}
		}
	})
}
