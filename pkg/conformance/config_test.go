package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

// expectedWarnings lists, per config, the warnings that are not about a
// wrangler key valet ignores; every other warning must be one of those.
var expectedWarnings = map[string][]string{
	"containers-multi.jsonc": {
		`migration tag "v1" is already used`,
		"custom instance types",
	},
	"nodejs-compat.jsonc": {}, // an object var is fine: wrangler passes JSON vars as objects
	"environments.jsonc":  {},
	// Bound, but with no local implementation (issue 14).
	"exports-and-account.jsonc": {"Workers AI has no local implementation"},
	"resources.jsonc":           {"Browser Rendering has no local implementation"},
}

// TestRealWorldConfigsLoad loads configs shaped like the ones wrangler's
// fixtures and create-cloudflare's templates ship: each must load, with
// warnings only for the keys valet does not support.
func TestRealWorldConfigsLoad(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "conformance", "configs")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < 15 {
		t.Fatalf("%d configs, want at least 15", len(ents))
	}
	for _, e := range ents {
		t.Run(e.Name(), func(t *testing.T) {
			// Each config is loaded as the project's wrangler file, as valet
			// discovers it.
			proj := t.TempDir()
			ext := filepath.Ext(e.Name())
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(proj, "wrangler"+ext), data, 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := config.Load(config.LoadOptions{Dir: proj})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			want := expectedWarnings[e.Name()]
			seen := map[string]bool{}
			for _, w := range p.Warnings {
				if w.Severity != config.SeverityWarning {
					t.Errorf("not a warning: %s", w)
				}
				if strings.Contains(w.Message, "is not supported by valet yet") {
					continue
				}
				ok := false
				for _, s := range want {
					if strings.Contains(w.Message, s) {
						ok, seen[s] = true, true
					}
				}
				if !ok {
					t.Errorf("unexpected warning: %s", w)
				}
			}
			for _, s := range want {
				if !seen[s] {
					t.Errorf("no warning containing %q", s)
				}
			}
			// Every env resolves too.
			for name := range p.Config.Env {
				if _, err := config.Load(config.LoadOptions{Dir: proj, Env: name}); err != nil {
					t.Errorf("env %s: %v", name, err)
				}
			}
		})
	}
}

// TestUnsupportedKeysAreNamed checks that a key valet ignores is named in a
// warning, never dropped silently (a user must know env.KV is missing).
func TestUnsupportedKeysAreNamed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", "configs", "resources.jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	_, diags, err := config.Parse("wrangler.jsonc", data)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, d := range diags {
		all.WriteString(d.Message + "\n")
	}
	for _, key := range []string{"images",
		"vectorize", "dispatch_namespaces", "tail_consumers", "unsafe"} {
		if !strings.Contains(all.String(), `"`+key+`"`) {
			t.Errorf("no warning names %q", key)
		}
	}
}
