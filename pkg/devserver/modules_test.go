package devserver

import (
	"path/filepath"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// A file the module rules ship on its own (a Text module here) is an input
// of the worker: saving it rebuilds and reloads.
func TestModuleEditReloads(t *testing.T) {
	dir := testfs.Fixture(t, filepath.Join("..", "..", "testdata", "conformance", "module-rules"))
	s := startDev(t, dir)
	live := listen(t, s.url)
	if _, body := get(t, s.url+"/text"); body != `{"type":"string","value":"hello from a text module\n"}` {
		t.Fatalf("/text = %s", body)
	}
	write(t, filepath.Join(dir, "src", "data", "hello.txt"), "edited\n")
	if ev := next(t, live); ev.event != msgReload {
		t.Fatalf("event %+v, want reload", ev)
	}
	if _, body := get(t, s.url+"/text"); body != `{"type":"string","value":"edited\n"}` {
		t.Errorf("/text = %s", body)
	}
}
