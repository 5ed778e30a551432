package scaffold

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// The shebang rule stands in for file modes, which embed.FS drops; the
// files on disk in templates/ are the truth it must agree with.
func TestFileModeMatchesTemplatesOnDisk(t *testing.T) {
	root := filepath.Join("..", "..", "templates")
	var scripts int
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) == ".go" {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		onDisk := info.Mode().Perm()&0o100 != 0
		if rendered := fileMode(data)&0o100 != 0; rendered != onDisk {
			t.Errorf("%s: executable on disk %v, rendered executable %v (start scripts with #! and chmod +x them)", p, onDisk, rendered)
		}
		if onDisk {
			scripts++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scripts == 0 {
		t.Error("no executable script in templates/: the check above checks nothing")
	}
}

func TestRender(t *testing.T) {
	fsys := fstest.MapFS{
		"t/package.json":  {Data: []byte(`{"name": "{{name}}"}`)},
		"t/src/App.tsx":   {Data: []byte(`<div style={{name}} />`)},
		"t/_gitignore":    {Data: []byte("node_modules\n")},
		"t/sub/_go.mod":   {Data: []byte("module backend\n")},
		"t/bin/run.sh":    {Data: []byte("#!/bin/sh\necho {{name}}\n")},
		"other/README.md": {Data: []byte("not this template")},
	}
	files, err := render(fsys, "t", "demo")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]file{}
	var names []string
	for _, f := range files {
		got[f.rel] = f
		names = append(names, f.rel)
	}
	if want := ".gitignore bin/run.sh package.json src/App.tsx sub/go.mod"; strings.Join(names, " ") != want {
		t.Errorf("files %q, want %q", names, want)
	}
	if s := string(got["package.json"].data); s != `{"name": "demo"}` {
		t.Errorf("package.json = %s", s)
	}
	if s := string(got["src/App.tsx"].data); !strings.Contains(s, "{{name}}") {
		t.Errorf("App.tsx substituted: %s", s)
	}
	if m := got["bin/run.sh"].mode; m != 0o755 {
		t.Errorf("run.sh mode %v", m)
	}
	if m := got["package.json"].mode; m != 0o644 {
		t.Errorf("package.json mode %v", m)
	}

	if _, err := render(fsys, "missing", "demo"); err == nil {
		t.Error("render of a missing template succeeded")
	}
}

func TestCreate_failedWriteRemovesNewDir(t *testing.T) {
	// After renaming, the template holds both a file .gitignore and a
	// directory .gitignore/: the second write fails after the first.
	fsys := fstest.MapFS{
		"worker/_gitignore":   {Data: []byte("x")},
		"worker/.gitignore/z": {Data: []byte("y")},
	}
	dir := filepath.Join(t.TempDir(), "app")
	_, err := Create(context.Background(), Options{Dir: dir, Name: "app", Template: "worker", FS: fsys, Exec: noExec(t)})
	if err == nil {
		t.Fatal("Create succeeded")
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Errorf("%s left behind after %v", dir, err)
	}

	// A directory that was there before stays.
	existingDir := t.TempDir()
	if _, err := Create(context.Background(), Options{Dir: existingDir, Name: "app", Template: "worker", FS: fsys, Exec: noExec(t)}); err == nil {
		t.Fatal("Create succeeded")
	}
	if _, statErr := os.Stat(existingDir); statErr != nil {
		t.Errorf("existing directory removed: %v", statErr)
	}
}

func TestWriteReplacesSymlinkInsteadOfFollowing(t *testing.T) {
	dir, outside := t.TempDir(), filepath.Join(t.TempDir(), "victim")
	mustWrite(t, outside, "keep")
	if err := os.Symlink(outside, filepath.Join(dir, "a.txt")); err != nil {
		testenv.Missing(t, "symlinks: %v", err)
	}
	var replaced bool
	err := write(dir, []file{{rel: "a.txt", data: []byte("new"), mode: 0o644}}, func(_ file, r bool) { replaced = r })
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, outside); got != "keep" {
		t.Errorf("write followed the symlink: %q", got)
	}
	if got := mustRead(t, filepath.Join(dir, "a.txt")); got != "new" || !replaced {
		t.Errorf("a.txt = %q, replaced %v", got, replaced)
	}
}

func TestFileMode(t *testing.T) {
	if fileMode([]byte("#!/usr/bin/env node\n")) != 0o755 || fileMode([]byte("# not a shebang")) != 0o644 || fileMode(nil) != 0o644 {
		t.Error("fileMode")
	}
}
