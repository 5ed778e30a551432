package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testfs"
)

func moduleProject(t *testing.T, cfg string, files map[string]string) *config.Project {
	t.Helper()
	dir := t.TempDir()
	testfs.WriteFile(t, filepath.Join(dir, "valet.jsonc"), cfg)
	for name, body := range files {
		testfs.WriteFile(t, filepath.Join(dir, name), body)
	}
	p, err := config.Load(config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// The modules the rules ship are files of the version: in the manifest
// with their name and type, in the digest, and in the build directory.
func TestBuildShipsModules(t *testing.T) {
	p := moduleProject(t, `{"name": "mods", "main": "src/index.js", "compatibility_date": "2025-06-01",
  "find_additional_modules": true, "rules": [{"type": "ESModule", "globs": ["lang/*.js"]}]}`, map[string]string{
		"src/index.js":   "import t from \"./hello.txt\";\nexport default { async fetch() { return new Response(t + (await import(\"./lang/\" + \"en.js\")).default); } };\n",
		"src/hello.txt":  "hello",
		"src/lang/en.js": "export default \" en\";\n",
	})
	run := func() *Manifest {
		t.Helper()
		res, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(&events.Recorder{}), SkipImages: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.Manifest
	}
	m := run()
	want := []ModuleEntry{
		{FileEntry: FileEntry{Path: "modules/hello.txt", Hash: sha("hello"), Size: 5}, Name: "hello.txt", Type: "text"},
		{FileEntry: FileEntry{Path: "modules/lang/en.js", Hash: sha("export default \" en\";\n"), Size: 22}, Name: "lang/en.js", Type: "esModule"},
	}
	if len(m.WorkerModules) != len(want) || m.WorkerModules[0] != want[0] || m.WorkerModules[1] != want[1] {
		t.Fatalf("modules = %+v, want %+v", m.WorkerModules, want)
	}
	out := filepath.Join(p.Dir, ".valet", "build")
	if got := testfs.ReadFile(t, filepath.Join(out, "modules", "lang", "en.js")); sha(got) != want[1].Hash {
		t.Errorf("modules/lang/en.js = %q", got)
	}

	// A module's change is a new version; so is a module added where
	// find_additional_modules looks.
	testfs.WriteFile(t, filepath.Join(p.Dir, "src", "lang", "en.js"), "export default \" EN\";\n")
	m2 := run()
	if m2.Version == m.Version {
		t.Error("a changed module did not change the version")
	}
	testfs.WriteFile(t, filepath.Join(p.Dir, "src", "lang", "fr.js"), "export default \" fr\";\n")
	if m3 := run(); len(m3.WorkerModules) != 3 || m3.Version == m2.Version {
		t.Errorf("an added module: %+v", m3.WorkerModules)
	}
}

func TestBuildNoBundle(t *testing.T) {
	p := moduleProject(t, `{"name": "nb", "main": "src/index.js", "compatibility_date": "2025-06-01", "no_bundle": true,
  "rules": [{"type": "ESModule", "globs": ["**/*.js"]}]}`, map[string]string{
		"src/index.js":     "import { x } from \"./lib/x.js\";\nexport default { fetch() { return new Response(x); } };\n",
		"src/lib/x.js":     "export const x = \"x\";\n",
		"src/.valet-ok.md": "not a module",
	})
	res, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(&events.Recorder{}), SkipImages: true})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.WorkerMain != "index.js" || m.Map != nil || m.Worker == nil || len(m.WorkerModules) != 1 || m.WorkerModules[0].Name != "lib/x.js" {
		t.Errorf("manifest: main %q map %+v modules %+v", m.WorkerMain, m.Map, m.WorkerModules)
	}
	b, err := os.ReadFile(filepath.Join(res.Dir, "worker.js"))
	if err != nil || sha(string(b)) != sha("import { x } from \"./lib/x.js\";\nexport default { fetch() { return new Response(x); } };\n") {
		t.Errorf("worker.js is not main as written: %q %v", b, err)
	}
}
