package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestJSONIsValid(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal(JSON(), &v); err != nil {
		t.Fatalf("embedded schema is not JSON: %v", err)
	}
	if v["$ref"] != "#/$defs/Config" {
		t.Errorf("$ref = %v", v["$ref"])
	}
}

func TestWriteCopy(t *testing.T) {
	dir := t.TempDir()
	if err := WriteCopy(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ".valet", "valet.schema.json")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, JSON()) {
		t.Fatal("copy differs from the embedded schema")
	}

	// An identical copy is left alone, so watchers see no change.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if err := WriteCopy(dir); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); !info.ModTime().Equal(old) {
		t.Errorf("identical copy rewritten: mtime %v, want %v", info.ModTime(), old)
	}

	// A stale copy is replaced, and no temp file is left behind.
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteCopy(dir); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, JSON()) {
		t.Error("stale copy not replaced")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf(".valet holds %d entries, want 1", len(entries))
	}
}

func TestWriteCopyError(t *testing.T) {
	dir := t.TempDir()
	// .valet is a file: the directory cannot be created.
	if err := os.WriteFile(filepath.Join(dir, ".valet"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteCopy(dir); err == nil {
		t.Fatal("WriteCopy succeeded where .valet is a file")
	}
}
