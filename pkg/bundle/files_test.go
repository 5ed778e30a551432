package bundle

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteIfChanged(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b.txt")
	if changed, err := writeIfChanged(p, []byte("one")); err != nil || !changed {
		t.Fatalf("first write: %v %v", changed, err)
	}
	if changed, err := writeIfChanged(p, []byte("one")); err != nil || changed {
		t.Fatalf("same content rewritten: %v %v", changed, err)
	}
	if changed, err := writeIfChanged(p, []byte("two")); err != nil || !changed || readFile(t, p) != "two" {
		t.Fatalf("new content: %v %v", changed, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temp files left: %v", entries)
	}
}

func TestRelTo(t *testing.T) {
	for _, c := range []struct{ root, path, want string }{
		{"/a", "/a/b/c.ts", "b/c.ts"},
		{"/a", "/ab/c.ts", "/ab/c.ts"},
		{"/a", "/a", "."},
		{"/a/b", "/a/c", "/a/c"},
	} {
		if got := relTo(c.root, c.path); got != c.want {
			t.Errorf("relTo(%q, %q) = %q, want %q", c.root, c.path, got, c.want)
		}
	}
}
