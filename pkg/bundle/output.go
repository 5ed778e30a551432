package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/valet-dev/valet/pkg/internal/projectfs"
)

// publicCache remembers the public files copied, so that a rebuild only
// reads those whose size or mtime changed.
type publicCache map[string]publicFile

type publicFile struct {
	size    int64
	modTime time.Time
	hash    string
}

// emit writes the build: esbuild's outputs, the rewritten HTML entries and
// the public files, and removes what the previous build wrote and this one
// did not.
func (c *FrontendContext) emit(files []api.OutputFile, mf *metafile, entries map[string]*htmlEntry) (*FrontendResult, error) {
	o := c.opts
	contents := map[string][]byte{}
	for _, f := range files {
		contents[relTo(o.OutDir, f.Path)] = f.Contents
	}
	// The metafile names outputs relative to Root; the HTML wants them
	// relative to OutDir.
	outs := map[string]metaOutput{}
	for k, v := range mf.Outputs {
		outs[c.outRel(k)] = v
	}
	for rel, e := range entries {
		entry := ""
		for k, v := range outs {
			if v.EntryPoint == htmlNamespace+":"+rel {
				entry = k
			}
		}
		tags := htmlTags{Inject: o.InjectHTML}
		if len(e.Scripts) > 0 && entry != "" {
			tags.Script = o.Base + entry
			tags.Preloads = c.walk(outs, entry, false, func(k string, _ metaOutput) string { return k })
			tags.Preloads = slices.DeleteFunc(tags.Preloads, func(k string) bool { return k == entry })
			for i, p := range tags.Preloads {
				tags.Preloads[i] = o.Base + p
			}
		} else if entry != "" {
			// Only stylesheets: no script to load, as in Vite's output.
			delete(contents, entry)
		}
		if entry != "" {
			for _, css := range c.walk(outs, entry, true, func(_ string, v metaOutput) string { return v.CSSBundle }) {
				tags.Styles = append(tags.Styles, o.Base+c.outRel(css))
			}
		}
		contents[rel] = e.rewrite(tags)
	}

	if !c.built && !o.KeepOutDir {
		if err := c.emptyOutDir(mf); err != nil {
			return nil, err
		}
	}
	c.built = true
	res := &FrontendResult{}
	written := map[string]bool{}
	for rel, data := range contents {
		if _, err := writeIfChanged(filepath.Join(o.OutDir, filepath.FromSlash(rel)), data); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		res.Files = append(res.Files, OutputFile{Path: rel, Hash: hex.EncodeToString(sum[:]), Size: int64(len(data))})
		written[rel] = true
	}
	pub, skipped, err := c.copyPublic(contents)
	if err != nil {
		return nil, err
	}
	res.Skipped = skipped
	res.Files = append(res.Files, pub...)
	for _, f := range pub {
		written[f.Path] = true
	}
	for rel := range c.written {
		if !written[rel] {
			if err := os.Remove(filepath.Join(o.OutDir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("remove stale output: %w", err)
			}
		}
	}
	c.written = written
	slices.SortFunc(res.Files, func(a, b OutputFile) int { return strings.Compare(a.Path, b.Path) })
	return res, nil
}

func (c *FrontendContext) outRel(metaPath string) string {
	return relTo(c.opts.OutDir, filepath.Join(c.opts.Root, filepath.FromSlash(metaPath)))
}

// walk visits the outputs reachable from entry (statically, or also through
// dynamic imports) breadth-first and collects pick's non-empty results.
func (c *FrontendContext) walk(outs map[string]metaOutput, entry string, dynamic bool, pick func(string, metaOutput) string) []string {
	var found []string
	seen := map[string]bool{entry: true}
	queue := []string{entry}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		v := outs[k]
		if p := pick(k, v); p != "" && !slices.Contains(found, p) {
			found = append(found, p)
		}
		for _, imp := range v.Imports {
			if imp.External || !(imp.Kind == "import-statement" || dynamic && imp.Kind == "dynamic-import") {
				continue
			}
			next := c.outRel(imp.Path)
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return found
}

// emptyOutDir removes what an earlier run left in OutDir, as Vite's
// emptyOutDir does, but only when OutDir is inside Root and holds none of
// the sources: anything else might be the user's own files.
func (c *FrontendContext) emptyOutDir(mf *metafile) error {
	o := c.opts
	inside := func(dir, p string) bool {
		rel, err := filepath.Rel(dir, p)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	if !inside(o.Root, o.OutDir) || inside(o.OutDir, o.PublicDir) {
		return nil
	}
	sources := mf.inputFiles(o.Root)
	for _, e := range o.Entries {
		sources = append(sources, filepath.Join(o.Root, filepath.FromSlash(e)))
	}
	for _, s := range sources {
		if inside(o.OutDir, s) {
			return nil
		}
	}
	list, err := os.ReadDir(o.OutDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("empty %s: %w", o.OutDir, err)
	}
	for _, d := range list {
		if err := os.RemoveAll(filepath.Join(o.OutDir, d.Name())); err != nil {
			return fmt.Errorf("empty %s: %w", o.OutDir, err)
		}
	}
	return nil
}

// copyPublic copies PublicDir to OutDir as-is, except files an output of
// the build replaces and links that lead out of the project (skipped).
func (c *FrontendContext) copyPublic(outputs map[string][]byte) ([]OutputFile, []string, error) {
	o := c.opts
	st, err := os.Stat(o.PublicDir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !st.IsDir() {
		clear(c.public)
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("public dir: %w", err)
	}
	var files []OutputFile
	var skipped []string
	seen := map[string]bool{}
	outside := func(l projectfs.Outside) { skipped = append(skipped, l.Message(o.Project)) }
	err = projectfs.Walk(o.Project, o.PublicDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == o.OutDir {
				return filepath.SkipDir // OutDir inside public/: never copy it into itself
			}
			return nil
		}
		rel := relTo(o.PublicDir, p)
		if _, ok := outputs[rel]; ok {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		seen[rel] = true
		dst := filepath.Join(o.OutDir, filepath.FromSlash(rel))
		cached, ok := c.public[rel]
		if ok && cached.size == info.Size() && cached.modTime.Equal(info.ModTime()) {
			if dstInfo, err := os.Stat(dst); err == nil && dstInfo.Size() == info.Size() {
				files = append(files, OutputFile{Path: rel, Hash: cached.hash, Size: cached.size})
				return nil
			}
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := writeIfChanged(dst, data); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		pf := publicFile{size: info.Size(), modTime: info.ModTime(), hash: hex.EncodeToString(sum[:])}
		c.public[rel] = pf
		files = append(files, OutputFile{Path: rel, Hash: pf.hash, Size: pf.size})
		return nil
	}, outside)
	if err != nil {
		return nil, nil, fmt.Errorf("copy public dir: %w", err)
	}
	for rel := range c.public {
		if !seen[rel] {
			delete(c.public, rel)
		}
	}
	return files, skipped, nil
}
