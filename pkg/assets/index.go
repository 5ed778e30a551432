package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/internal/projectfs"
)

// index is one immutable snapshot of the directory: Reload builds a new one
// and swaps it in, so a request sees one consistent set of files.
type index struct {
	root      string
	files     map[string]*entry // by URL path, "/about/index.html"
	headers   headerRules
	redirects redirectRules
	gzBudget  atomic.Int64 // bytes left for compressed copies
}

// buildIndex walks root once. Files whose size and mtime did not change
// since prev keep their hash and cached bytes, so a dev rebuild re-reads
// only what the bundler rewrote.
func buildIndex(o Options, prev *index) (*index, error) {
	root, err := filepath.Abs(o.Dir)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("assets directory %s does not exist; build your frontend first or fix assets.directory", o.Dir)
		}
		return nil, fmt.Errorf("assets directory %s: %w", o.Dir, err)
	}
	if st, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("assets directory %s: %w", o.Dir, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("assets directory %s is a file, not a directory; point assets.directory at the folder that holds index.html", o.Dir)
	}

	ignoreText, _ := os.ReadFile(filepath.Join(root, assetsIgnoreFile))
	ignores := parseIgnore(string(ignoreText))

	ix := &index{root: root, files: map[string]*entry{}}
	ix.gzBudget.Store(o.CacheBytes / 2)
	var found []*entry
	project := o.Project
	if project == "" {
		project = root
	}
	outside := func(l projectfs.Outside) { o.Warn("assets: " + l.Message(root)) }
	err = projectfs.Walk(project, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read assets directory: %w", err)
		}
		if p == root {
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		if ignores.ignored(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		key := "/" + rel
		if unsafePath(key) {
			o.Warn(fmt.Sprintf("assets: skipping %s: its name has a backslash or control character that no URL can reach", rel))
			return nil
		}
		info, err := d.Info() // a followed link's target
		if err != nil {
			o.Warn(fmt.Sprintf("assets: skipping %s: %v", rel, err))
			return nil
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		// Served from its real path: a link changed after this index
		// cannot lead a request out of the project.
		found = append(found, &entry{key: key, file: projectfs.RealPath(p, d), size: info.Size(), modTime: info.ModTime()})
		return nil
	}, outside)
	if err != nil {
		return nil, err
	}

	var cacheUsed atomic.Int64
	g := new(errgroup.Group)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, e := range found {
		ix.files[e.key] = e
		if prev != nil {
			if old := prev.files[e.key]; old != nil && old.file == e.file && old.size == e.size && old.modTime.Equal(e.modTime) {
				ix.files[e.key] = old
				if old.data != nil {
					cacheUsed.Add(old.size)
				}
				continue
			}
		}
		g.Go(func() error { return e.load(o, &cacheUsed) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	if b, err := os.ReadFile(filepath.Join(root, headersFile)); err == nil {
		var bad []string
		ix.headers, bad = parseHeaders(string(b))
		for _, m := range bad {
			o.Warn("assets: " + m)
		}
	}
	ix.redirects = redirectRules{static: map[string]redirectRule{}}
	if b, err := os.ReadFile(filepath.Join(root, redirectsFile)); err == nil {
		var bad []string
		ix.redirects, bad = parseRedirects(string(b), o.HTMLHandling)
		for _, m := range bad {
			o.Warn("assets: " + m)
		}
	}
	return ix, nil
}

// entry is one file: what every response needs is computed once here.
type entry struct {
	key     string
	file    string
	size    int64
	modTime time.Time

	etag  string // content hash, unquoted
	ctype string
	data  []byte // the content when small enough to keep in memory

	// Header values shared by every response; their slices have len == cap
	// so that an Add by a caller reallocates instead of writing into them.
	hETag, hWeakETag, hCType, hLen []string

	compress bool
	gzOnce   sync.Once
	gz       []byte // nil when not worth it or over budget
	hGzLen   []string
}

// load hashes the file and keeps its bytes when they fit the cache budget.
func (e *entry) load(o Options, cacheUsed *atomic.Int64) error {
	f, err := os.Open(e.file)
	if err != nil {
		return fmt.Errorf("read asset %s: %w", e.key, err)
	}
	defer f.Close()
	h := sha256.New()
	if e.size <= o.MaxCachedFile && cacheUsed.Add(e.size) <= o.CacheBytes {
		data := make([]byte, e.size)
		if _, err := io.ReadFull(f, data); err != nil {
			return fmt.Errorf("read asset %s: %w", e.key, err)
		}
		h.Write(data)
		e.data = data
	} else {
		if e.size <= o.MaxCachedFile {
			cacheUsed.Add(-e.size)
		}
		n, err := io.Copy(h, f)
		if err != nil {
			return fmt.Errorf("read asset %s: %w", e.key, err)
		}
		e.size = n
	}
	// The extension is part of the hash, as in Cloudflare's, so that two
	// files with the same bytes but different types differ.
	h.Write([]byte{0})
	h.Write([]byte(path.Ext(e.key)))
	e.etag = hex.EncodeToString(h.Sum(nil))[:32]
	e.ctype = contentType(e.key)
	e.compress = compressible(e.ctype) && e.size >= minCompressSize
	e.hETag = []string{`"` + e.etag + `"`}
	e.hWeakETag = []string{`W/"` + e.etag + `"`}
	e.hCType = []string{e.ctype}
	if e.ctype == "" {
		// A present but empty header stops net/http from sniffing a type.
		e.hCType = nil
	}
	e.hLen = []string{strconv.FormatInt(e.size, 10)}
	return nil
}
