package bundle

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// TestWorkerExports: the result names what the entry module exports,
// re-exports and renames included, read from the bundle (never by running
// it), and follows an edit.
func TestWorkerExports(t *testing.T) {
	dir := t.TempDir()
	testfs.WriteFile(t, filepath.Join(dir, "src/index.ts"), `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {}
export * from "./more";
export { Inner as Renamed } from "./inner";
export const VERSION = 1;
export default { fetch() { return new Response("ok"); } };
`)
	testfs.WriteFile(t, filepath.Join(dir, "src/more.ts"), "export class Room {}\nexport function helper() {}\n")
	testfs.WriteFile(t, filepath.Join(dir, "src/inner.ts"), "export class Inner {}\n")
	c, err := NewWorkerContext(WorkerOptions{Entry: filepath.Join(dir, "src/index.ts"), Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Dispose()
	res, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Counter", "Renamed", "Room", "VERSION", "default", "helper"}
	if !slices.Equal(res.Exports, want) {
		t.Errorf("exports = %q, want %q", res.Exports, want)
	}
	testfs.WriteFile(t, filepath.Join(dir, "src/more.ts"), "export class Lobby {}\n")
	if res, err = c.Rebuild(); err != nil {
		t.Fatal(err)
	}
	want = []string{"Counter", "Lobby", "Renamed", "VERSION", "default"}
	if !slices.Equal(res.Exports, want) {
		t.Errorf("after the edit exports = %q, want %q", res.Exports, want)
	}
}
