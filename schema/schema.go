// Package schema holds the JSON Schema of valet.jsonc, generated from the Go
// types of pkg/config (go generate ./pkg/config) and embedded in the binary,
// so that valet can give editors a copy matching the running version.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed valet.schema.json
var text string

// JSON returns the schema's bytes.
func JSON() []byte { return []byte(text) }

// RelPath is where WriteCopy puts the schema under a project; a config
// points at it with "$schema": "./.valet/valet.schema.json".
const RelPath = ".valet/valet.schema.json"

// WriteCopy writes the schema to dir/.valet/valet.schema.json. It leaves an
// identical file untouched, so that file watchers see no change, and
// replaces a different one atomically.
func WriteCopy(dir string) error {
	path := filepath.Join(dir, filepath.FromSlash(RelPath))
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, []byte(text)) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".valet.schema.json.*")
	if err != nil {
		return fmt.Errorf("write schema: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return fmt.Errorf("write schema %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write schema %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write schema %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write schema %s: %w", path, err)
	}
	return nil
}
