package devserver

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Debounce: a save often writes several files (or one file several times);
// rebuild once they have settled, but never wait more than maxWait. An
// in-place save of one file (truncate and write, as editors and
// os.WriteFile do) is over within microseconds: it waits settleWrite only,
// which is most of the edit-to-page time saved on the common edit.
const (
	settle      = 10 * time.Millisecond
	settleWrite = 2 * time.Millisecond
	maxWait     = 250 * time.Millisecond
)

// skipDirs are never watched: dependencies, VCS data, valet's own output.
var skipDirs = map[string]bool{"node_modules": true, ".git": true, ".valet": true, ".wrangler": true, ".hg": true, ".svn": true}

// watcher watches the project tree (fsnotify is not recursive: every
// directory is added, and new ones as they appear).
type watcher struct {
	fs     *fsnotify.Watcher
	root   string
	ignore func(dir string) bool
}

func newWatcher(root string, ignore func(dir string) bool) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	w := &watcher{fs: fw, root: root, ignore: ignore}
	if err := w.addTree(root); err != nil {
		fw.Close()
		return nil, err
	}
	return w, nil
}

// addTree watches dir and the directories below it that are not skipped.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return fmt.Errorf("watch %s: %w", p, err)
			}
			return nil // vanished meanwhile, or unreadable: nothing to watch there
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && (skipDirs[d.Name()] || w.ignore(p)) {
			return filepath.SkipDir
		}
		if err := w.fs.Add(p); err != nil {
			if p == dir {
				return fmt.Errorf("watch %s: %w (raise fs.inotify.max_user_watches if the limit is reached)", p, err)
			}
		}
		return nil
	})
}

// add watches one more path outside the tree (an input from a sibling
// package in a monorepo): its directory, not recursively.
func (w *watcher) add(path string) {
	dir := filepath.Dir(path)
	if inside(w.root, dir) {
		return
	}
	for _, part := range strings.Split(dir, string(filepath.Separator)) {
		if skipDirs[part] {
			return
		}
	}
	_ = w.fs.Add(dir) // best effort: a missing directory has nothing to report
}

func (w *watcher) close() error { return w.fs.Close() }

// batches sends the paths changed, once they settle, until ctx ends.
func (w *watcher) batches(ctx context.Context, out chan<- []string, errs func(error)) {
	pending := map[string]bool{}
	var timer <-chan time.Time
	var first time.Time
	lone := false // only writes to one existing file so far
	extended := false
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			errs(err)
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod || noise(ev.Name) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() && !skipDirs[fi.Name()] && !w.ignore(ev.Name) {
					_ = w.addTree(ev.Name)
				}
			}
			name := filepath.Clean(ev.Name)
			if len(pending) == 0 {
				first, lone = time.Now(), true
			}
			lone = lone && ev.Op == fsnotify.Write && (len(pending) == 0 || pending[name] && len(pending) == 1)
			pending[name] = true
			wait := settle
			if lone {
				wait = settleWrite
			}
			wait = min(wait, maxWait-time.Since(first))
			timer = time.After(max(wait, 0))
		case <-timer:
			timer = nil
			if lone && !extended && anyEmpty(pending) {
				// A truncate seen before its write (a loaded machine): the
				// file is still being saved; give the write time to land.
				extended = true
				timer = time.After(settle)
				continue
			}
			extended = false
			paths := make([]string, 0, len(pending))
			for p := range pending {
				paths = append(paths, p)
			}
			pending = map[string]bool{}
			select {
			case out <- paths:
			case <-ctx.Done():
				return
			}
		}
	}
}

// anyEmpty reports whether one of the paths is an empty file.
func anyEmpty(paths map[string]bool) bool {
	for p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			return true
		}
	}
	return false
}

// noise is what editors write beside a file while saving it.
func noise(path string) bool {
	base := filepath.Base(path)
	return base == "4913" || strings.HasSuffix(base, "~") || strings.HasSuffix(base, ".swp") ||
		strings.HasSuffix(base, ".swx") || strings.HasPrefix(base, ".#") || base == ".DS_Store"
}

// inside reports whether path is dir or below it.
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
