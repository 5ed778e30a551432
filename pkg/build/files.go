package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/valet-dev/valet/pkg/internal/atomicfile"
	"github.com/valet-dev/valet/pkg/internal/projectfs"
)

func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// writeFileAtomic replaces path with data unless it holds exactly that
// (an unchanged build writes nothing): a reader (the dev server, a deploy)
// never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return atomicfile.Write(path, data, 0o644)
}

// syncDir makes dst a copy of src: changed files are copied, files no longer
// in src removed, unchanged ones (same size and hash) left alone so a
// no-change build writes nothing. It returns an entry per file, with paths
// relative to rel (e.g. "assets/index.html"). A symbolic link is copied as
// its target when that lies inside project, and left out, named to
// outside, when it does not.
func syncDir(project, src, dst, rel string, outside func(projectfs.Outside)) ([]FileEntry, error) {
	var entries []FileEntry
	seen := map[string]bool{}
	err := projectfs.Walk(project, src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		r, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		seen[r] = true
		hash, size, err := hashFile(p)
		if err != nil {
			return err
		}
		entries = append(entries, FileEntry{Path: filepath.ToSlash(filepath.Join(rel, r)), Hash: hash, Size: size})
		target := filepath.Join(dst, r)
		if th, tsize, err := hashFile(target); err == nil && th == hash && tsize == size {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
			// A new file: nothing reads it before the manifest names it,
			// and one cut short by a crash is rewritten by the next build
			// (its hash differs). A plain write spares a cold build an
			// fsync per asset.
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
		return atomicfile.Write(target, data, 0o644)
	}, outside)
	if err != nil {
		return nil, fmt.Errorf("copy assets %s: %w", src, err)
	}
	// Remove what the source no longer has.
	_ = filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		r, _ := filepath.Rel(dst, p)
		if !seen[r] {
			os.Remove(p)
		}
		return nil
	})
	return entries, nil
}
