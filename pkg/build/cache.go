package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// inputCache remembers, per bundle, the files that went in with their size
// and modification time. A later `valet build` whose inputs all look the
// same skips the bundle, which keeps a no-change build far under esbuild's
// cold start. Like make, it trusts mtimes; `valet build --force` ignores it.
type inputCache struct {
	Entries map[string]cacheEntry `json:"entries"`
	dirty   bool
}

type cacheEntry struct {
	Key    string          `json:"key"`    // hash of the options
	Output string          `json:"output"` // a file or dir that must still exist
	Files  map[string]stat `json:"files"`
	Dirs   map[string]int  `json:"dirs"` // watched dirs (public/): file count
	// Exports are the worker entry's exports (nil for other bundles, and
	// in a cache written before valet kept them: that worker is rebuilt).
	Exports []string `json:"exports"`
}

type stat struct {
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime"`
}

const cacheFile = ".inputs.json"

func loadInputCache(out string) *inputCache {
	c := &inputCache{Entries: map[string]cacheEntry{}}
	if b, err := os.ReadFile(filepath.Join(out, cacheFile)); err == nil {
		_ = json.Unmarshal(b, c) // a broken cache is an empty one
		if c.Entries == nil {
			c.Entries = map[string]cacheEntry{}
		}
	}
	return c
}

func cacheKey(name string, opts any) string {
	b, _ := json.Marshal(opts)
	sum := sha256.Sum256(append([]byte(name+"\n"), b...))
	return hex.EncodeToString(sum[:])
}

// fresh reports whether the bundle with this key was built from files that
// have not changed since, and its output is still there.
func (c *inputCache) fresh(key, output string) bool {
	if c == nil {
		return false
	}
	e, ok := c.Entries[key]
	if !ok || e.Key != key || len(e.Files) == 0 {
		return false
	}
	if _, err := os.Stat(output); err != nil {
		return false
	}
	for p, s := range e.Files {
		if statOf(p) != s {
			return false
		}
	}
	for d, n := range e.Dirs {
		if len(dirFiles(d)) != n {
			return false
		}
	}
	return true
}

func (c *inputCache) record(key, output string, inputs []string, watchDir string) {
	c.recordEntry(cacheEntry{Key: key, Output: output, Files: map[string]stat{}}, inputs, watchDir)
}

// recordWorker records the worker bundle with its entry's exports.
func (c *inputCache) recordWorker(key, output string, inputs, exports []string, watchDir string) {
	c.recordEntry(cacheEntry{Key: key, Output: output, Files: map[string]stat{}, Exports: append([]string{}, exports...)}, inputs, watchDir)
}

// workerExports are the exports recorded with a fresh worker bundle; ok is
// false when the cache has none (then the bundle is built again).
func (c *inputCache) workerExports(key string) (exports []string, ok bool) {
	e, ok := c.Entries[key]
	return e.Exports, ok && e.Exports != nil
}

func (c *inputCache) recordEntry(e cacheEntry, inputs []string, watchDir string) {
	for _, p := range inputs {
		e.Files[p] = statOf(p)
	}
	key, output := e.Key, e.Output
	if watchDir != "" {
		// Files in public/ are copied, not imported: count them so an added
		// one is noticed, and stat each so a changed one is.
		files := dirFiles(watchDir)
		e.Dirs = map[string]int{watchDir: len(files)}
		for _, p := range files {
			e.Files[p] = statOf(p)
		}
	}
	// One entry per bundle: drop older ones for the same output.
	for k, old := range c.Entries {
		if old.Output == output {
			delete(c.Entries, k)
		}
	}
	c.Entries[key] = e
	c.dirty = true
}

func (c *inputCache) save(out string) error {
	if !c.dirty {
		return nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(out, cacheFile), b)
}

func statOf(p string) stat {
	st, err := os.Stat(p)
	if err != nil {
		return stat{Size: -1}
	}
	return stat{Size: st.Size(), MTime: st.ModTime().UnixNano()}
}

// dirFiles lists the files under dir (none when it does not exist).
func dirFiles(dir string) []string {
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files
}
