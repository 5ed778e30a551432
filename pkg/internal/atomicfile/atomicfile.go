// Package atomicfile replaces files so that whoever reads one (the dev
// server, a deploy, the edge after a kill -9 or a power cut) finds the old
// content or the new, never a part. It is the one way valet writes a file
// that something else may be reading or must survive a crash: the host's
// state and secrets, build manifests, bundles, declaration files.
package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with data: a temporary file beside it (the same
// directory, so the same filesystem) is given perm, written, fsynced,
// closed and renamed over path, and the directory is fsynced so that the
// rename survives a crash too. The parent directory is created when
// missing. On failure path is untouched and no temporary file is left.
func Write(path string, data []byte, perm fs.FileMode) error {
	if err := write(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func write(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return err
	}
	// Before the data, so that a secret is never readable by others.
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	return SyncDir(dir)
}

// SyncDir makes the renames and creations in dir durable (fsync of the
// directory). A filesystem that cannot sync a directory is not an error:
// the rename is done either way, as durable as that filesystem makes it.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}
