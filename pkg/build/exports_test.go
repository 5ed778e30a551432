package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// exportsProject writes a project with config text and a worker exporting
// Present and default, loaded for env.
func exportsProject(t *testing.T, configText, env string) *config.Project {
	t.Helper()
	dir := t.TempDir()
	testfs.WriteFile(t, filepath.Join(dir, "wrangler.jsonc"), configText)
	testfs.WriteFile(t, filepath.Join(dir, "src/index.ts"), "export class Present {}\nexport default { fetch() { return new Response('ok') } }\n")
	t.Chdir(dir) // positions are shown relative to the working directory
	p, err := config.Load(config.LoadOptions{Dir: dir, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildRefusesUnexportedClasses(t *testing.T) {
	for _, tc := range []struct {
		name, config, env string
		want              []string
		ok                bool
	}{{
		name: "binding",
		config: `{
  "name": "x", "main": "src/index.ts", "compatibility_date": "2025-06-01",
  "durable_objects": { "bindings": [
    { "name": "OK", "class_name": "Present" },
    { "name": "MY_DO", "class_name": "FooBar" }
  ] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Present", "FooBar"] }]
}`,
		want: []string{"which are not exported in your entrypoint file: FooBar.", "entrypoint, src/index.ts",
			`wrangler.jsonc:5:38: durable_objects binding "MY_DO" needs class "FooBar"`, "src/index.ts exports Present"},
	}, {
		name: "another worker's class",
		config: `{
  "name": "x", "main": "src/index.ts", "compatibility_date": "2025-06-01",
  "durable_objects": { "bindings": [{ "name": "REMOTE", "class_name": "Elsewhere", "script_name": "other" }] }
}`,
		ok: true,
	}, {
		name: "exports map and its container",
		config: `{
  "name": "x", "main": "src/index.ts", "compatibility_date": "2025-06-01",
  "containers": [{ "name": "box", "image": "./Dockerfile" }],
  "exports": {
    "Box": { "type": "durable-object", "storage": "sqlite", "container": "box" },
    "Room": { "type": "durable-object", "storage": "sqlite" },
    "Gone": { "type": "durable-object", "state": "deleted" }
  }
}`,
		want: []string{"not exported in your entrypoint file: Box, Room.",
			`wrangler.jsonc:5:5: container "box" needs class "Box"`, `wrangler.jsonc:6:5: exports.Room needs class "Room"`},
	}, {
		name: "an environment's own binding",
		config: `{
  "name": "x", "main": "src/index.ts", "compatibility_date": "2025-06-01",
  "env": { "staging": {
    "durable_objects": { "bindings": [{ "name": "S", "class_name": "Staged" }] }
  } }
}`,
		env:  "staging",
		want: []string{`wrangler.jsonc:4:68: durable_objects binding "S" needs class "Staged"`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := exportsProject(t, tc.config, tc.env)
			res, err := Run(context.Background(), Options{Project: p, SkipImages: true})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ee *ExportsError
			if !errors.As(err, &ee) {
				t.Fatalf("Run = %v, %v; want an ExportsError", res, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%s", w, err)
				}
			}
			if _, err := os.Stat(filepath.Join(p.Dir, ".valet", "build", ManifestFile)); err == nil {
				t.Error("a refused build wrote a manifest")
			}
		})
	}
}

// TestBuildChecksExportsOfAnUnchangedWorker: the worker's bundle is kept
// when it did not change, yet a binding added to the config since is
// checked against its exports.
func TestBuildChecksExportsOfAnUnchangedWorker(t *testing.T) {
	base := `{ "name": "x", "main": "src/index.ts", "compatibility_date": "2025-06-01" %s }`
	p := exportsProject(t, strings.Replace(base, "%s", "", 1), "")
	if _, err := Run(context.Background(), Options{Project: p, SkipImages: true}); err != nil {
		t.Fatal(err)
	}
	testfs.WriteFile(t, p.Path, strings.Replace(base, "%s", `, "durable_objects": { "bindings": [{ "name": "N", "class_name": "Nope" }] }`, 1))
	p2, err := config.Load(config.LoadOptions{Path: p.Path})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Options{Project: p2, SkipImages: true})
	var ee *ExportsError
	if !errors.As(err, &ee) || ee.Missing[0].Class != "Nope" {
		t.Fatalf("Run = %v, want the binding to Nope refused", err)
	}
}
