package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// NamePlaceholder is replaced by the app's name in the template files whose
// extension is in substituted. Code files are left alone: in JSX, for one,
// `{{name}}` is an ordinary object literal.
const NamePlaceholder = "{{name}}"

var substituted = map[string]bool{".json": true, ".jsonc": true, ".md": true, ".html": true}

// renamed maps template file names to the names they are written as; see
// package templates for why they are stored under another name.
var renamed = map[string]string{"_gitignore": ".gitignore", "_go.mod": "go.mod"}

// ignorable entries may already be in a directory that counts as empty:
// what a fresh `git clone` or an editor leaves, none of which a template
// writes.
var ignorable = map[string]bool{
	".git": true, ".gitattributes": true, ".DS_Store": true, "Thumbs.db": true,
	".idea": true, ".vscode": true, "LICENSE": true, "LICENSE.md": true, "LICENSE.txt": true,
}

// file is one file of a rendered template.
type file struct {
	rel  string // slash-separated path in the new app
	data []byte
	mode fs.FileMode
}

// render reads the template rooted at root in fsys and returns its files,
// sorted, with the name substituted.
func render(fsys fs.FS, root, name string) ([]file, error) {
	var files []file
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		dir, base := path.Split(rel)
		if to, ok := renamed[base]; ok {
			rel = dir + to
		}
		if substituted[path.Ext(rel)] {
			data = bytes.ReplaceAll(data, []byte(NamePlaceholder), []byte(name))
		}
		files = append(files, file{rel: rel, data: data, mode: fileMode(data)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", root, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("template %s has no files", root)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	return files, nil
}

// fileMode decides a file's permissions. embed.FS keeps no modes, so a
// script is recognised by its shebang; a test checks that this agrees with
// the modes of the files in templates/.
func fileMode(data []byte) fs.FileMode {
	if bytes.HasPrefix(data, []byte("#!")) {
		return 0o755
	}
	return 0o644
}

// existing returns the entries of dir that make it non-empty, sorted; nil
// when dir does not exist. An error says dir cannot be used at all.
func existing(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, &InputError{Err: fmt.Errorf("%s exists and is not a directory; choose another directory", dir)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !ignorable[e.Name()] {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// write writes files under dir, creating directories as needed, and calls
// done after each file with whether it replaced an existing file.
func write(dir string, files []file, done func(f file, replaced bool)) error {
	for _, f := range files {
		target := filepath.Join(dir, filepath.FromSlash(f.rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(target), err)
		}
		_, statErr := os.Lstat(target)
		replaced := statErr == nil
		if replaced {
			// Replace rather than write through: the mode must be the
			// template's, and a symlink must not lead the write elsewhere.
			if err := os.Remove(target); err != nil {
				return fmt.Errorf("replace %s: %w", target, err)
			}
		}
		if err := os.WriteFile(target, f.data, f.mode); err != nil {
			return fmt.Errorf("write %s: %w", target, err)
		}
		done(f, replaced)
	}
	return nil
}
