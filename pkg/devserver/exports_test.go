package devserver

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// TestEditDropsAnExportedClass: an edit that stops exporting a bound
// Durable Object class is refused as valet build refuses it; the version
// that served goes on serving, and the overlay shows why.
func TestEditDropsAnExportedClass(t *testing.T) {
	dir := t.TempDir()
	testfs.WriteFile(t, filepath.Join(dir, "wrangler.jsonc"), `{
  "name": "dropexport", "main": "src/index.js", "compatibility_date": "2025-06-01",
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]
}`)
	worker := "export class Counter {}\nexport default { fetch() { return new Response(\"v1\") } };\n"
	testfs.WriteFile(t, filepath.Join(dir, "src/index.js"), worker)
	s := startDev(t, dir)
	live := listen(t, s.url)
	testfs.WriteFile(t, filepath.Join(dir, "src/index.js"), strings.Replace(strings.Replace(worker, "export class", "class", 1), "v1", "v2", 1))
	ev := next(t, live)
	for _, want := range []string{"which are not exported in your entrypoint file: Counter.", `wrangler.jsonc:3:72: durable_objects binding \"COUNTER\" needs class \"Counter\"`} {
		if ev.event != msgError || !strings.Contains(ev.data, want) {
			t.Errorf("event %+v, want the error with %s", ev, want)
		}
	}
	if code, body := get(t, s.url+"/"); code != 200 || body != "v1" {
		t.Errorf("GET / = %d %q, want the version that served", code, body)
	}
}
