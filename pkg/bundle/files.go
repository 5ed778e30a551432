package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/valet-dev/valet/pkg/internal/atomicfile"
)

// writeIfChanged writes data to path unless the file already holds exactly
// that, so that an unchanged rebuild keeps mtimes (and ETags) stable. The
// write of a file that exists goes through a temporary file and a rename: a
// server reading the file meanwhile sees the old or the new content, never
// half of it.
func writeIfChanged(path string, data []byte) (bool, error) {
	old, err := os.ReadFile(path)
	if err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("create %s: %w", dir, err)
	}
	if errors.Is(err, fs.ErrNotExist) {
		// A new name (content-hashed chunks): no one has its URL before the
		// build ends, so a plain write is as safe and a third of the syscalls.
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return false, fmt.Errorf("write %s: %w", path, err)
		}
		return true, nil
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return false, err
	}
	return true, nil
}

// relTo returns path relative to root with forward slashes, or path itself
// when it lies outside root.
func relTo(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator) {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}
