// Package projectfs walks a project's directories the way valet copies,
// serves and uploads them: a symbolic link is followed when its target lies
// inside the project, and left out, reported, when it lies outside (or
// dangles). So nothing outside the project is built, served or uploaded,
// while links between the project's own files keep working.
package projectfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Outside is a symbolic link whose target lies outside the project.
type Outside struct {
	Path   string // the link, as found under the walked directory
	Target string // where it points ("" when it dangles)
}

// Message names the link relative to base (the project directory) and
// says why it is left out.
func (o Outside) Message(base string) string {
	if o.Target == "" {
		return fmt.Sprintf("skipping %s: a symbolic link that points nowhere", rel(base, o.Path))
	}
	return fmt.Sprintf("skipping %s: a symbolic link to %s, outside the project (copy the file into the project to ship it)", rel(base, o.Path), o.Target)
}

// Within reports whether p is dir or lies below it (both clean, absolute).
func Within(dir, p string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

// Walk walks dir as filepath.WalkDir does (lexical order, fn's SkipDir and
// SkipAll), following the symbolic links whose targets lie inside root or
// inside dir itself (a directory the config names outside the project is
// shipped, but nothing its links lead to elsewhere): fn sees such a link
// under its own path, with d describing its target (RealPath gives the
// file to read). A link that leads elsewhere, or nowhere, is passed to
// outside and not visited. A link back to a directory being walked is not
// followed again.
func Walk(root, dir string, fn fs.WalkDirFunc, outside func(Outside)) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("project directory %s: %w", root, err)
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return fn(dir, nil, err)
	}
	w := &walker{allowed: []string{realRoot}, fn: fn, outside: outside}
	real := dir
	if parent, err := filepath.EvalSymlinks(filepath.Dir(dir)); err == nil {
		real = filepath.Join(parent, filepath.Base(dir))
	}
	if info.Mode()&fs.ModeSymlink == 0 {
		w.allowed = append(w.allowed, real)
	}
	err = w.visit(dir, real, fs.FileInfoToDirEntry(info))
	if errors.Is(err, filepath.SkipDir) || errors.Is(err, filepath.SkipAll) {
		return nil
	}
	return err
}

// RealPath is the file to read for an entry Walk gave: the target of a
// followed link (or a path below one), else p itself.
func RealPath(p string, d fs.DirEntry) string {
	if e, ok := d.(entry); ok {
		return e.real
	}
	return p
}

type walker struct {
	allowed []string // real paths links may lead into
	fn      fs.WalkDirFunc
	outside func(Outside)
	stack   []string // real paths of the directories being walked
}

func (w *walker) inside(real string) bool {
	return slices.ContainsFunc(w.allowed, func(dir string) bool { return Within(dir, real) })
}

// visit walks p, whose real path (links resolved) is real.
func (w *walker) visit(p, real string, d fs.DirEntry) error {
	if d.Type()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(p)
		if err != nil || !w.inside(target) {
			if err != nil {
				target = ""
			}
			if w.outside != nil {
				w.outside(Outside{Path: p, Target: target})
			}
			return nil
		}
		info, err := os.Stat(target)
		if err != nil {
			return w.fn(p, d, err)
		}
		if info.IsDir() && slices.Contains(w.stack, target) {
			return nil // a cycle
		}
		real, d = target, fs.FileInfoToDirEntry(renamed{info, d.Name()})
	}
	d = entry{d, real}
	if err := w.fn(p, d, nil); err != nil || !d.IsDir() {
		if errors.Is(err, filepath.SkipDir) && d.IsDir() {
			return nil
		}
		return err
	}
	w.stack = append(w.stack, real)
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	entries, err := os.ReadDir(p)
	if err != nil {
		if err := w.fn(p, d, err); err != nil && !errors.Is(err, filepath.SkipDir) {
			return err
		}
		return nil
	}
	for _, e := range entries {
		err := w.visit(filepath.Join(p, e.Name()), filepath.Join(real, e.Name()), e)
		if errors.Is(err, filepath.SkipDir) {
			return nil // SkipDir from a file skips the rest of its directory
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// entry is a DirEntry that knows its real path.
type entry struct {
	fs.DirEntry
	real string
}

// renamed keeps a link's own name on its target's FileInfo.
type renamed struct {
	fs.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}
