package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// outsideDockerfile is the name a Dockerfile that lies outside the build
// context gets inside the context tar (the docker CLI does the same, with a
// random name; a fixed one keeps the digest stable).
const outsideDockerfile = ".valet.Dockerfile"

// buildContext is a directory to send to the engine, filtered by .dockerignore.
type buildContext struct {
	dir        string
	dockerfile string // path of the Dockerfile inside the tar (slash-separated)
	dfSource   string // the Dockerfile on disk
	ignoreFile string // the .dockerignore read, or ""
	matcher    *patternmatcher.PatternMatcher
	exclude    []string // absolute paths never sent (valet's own files)
}

func newBuildContext(contextDir, dockerfile string, exclude []string) (*buildContext, error) {
	dir, err := filepath.Abs(contextDir)
	if err != nil {
		return nil, fmt.Errorf("build context %s: %w", contextDir, err)
	}
	if st, err := os.Stat(dir); err != nil {
		if _, dfErr := os.Stat(dockerfile); errors.Is(err, fs.ErrNotExist) && dfErr != nil {
			// The context defaults to the Dockerfile's directory: the image path is what is wrong.
			return nil, fmt.Errorf("Dockerfile %s does not exist\n  Check the container's \"image\" in your config: a path to a Dockerfile, or an image reference", dockerfile)
		}
		return nil, fmt.Errorf("build context %s: %w\n  Check image_build_context in your config", contextDir, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory\n  Check image_build_context in your config", contextDir)
	}
	df, err := filepath.Abs(dockerfile)
	if err != nil {
		return nil, fmt.Errorf("dockerfile %s: %w", dockerfile, err)
	}
	if _, err := os.Stat(df); err != nil {
		return nil, fmt.Errorf("dockerfile %s: %w\n  Check the container's image in your config", dockerfile, err)
	}
	bc := &buildContext{dir: dir, dfSource: df}
	for _, x := range exclude {
		if x, err := filepath.Abs(x); err == nil {
			bc.exclude = append(bc.exclude, x)
		}
	}
	if rel, err := filepath.Rel(dir, df); err == nil && filepath.IsLocal(rel) {
		bc.dockerfile = filepath.ToSlash(rel)
	} else {
		bc.dockerfile = outsideDockerfile
	}
	patterns, ignoreFile, err := readIgnore(dir, df)
	if err != nil {
		return nil, err
	}
	bc.ignoreFile = ignoreFile
	// As the docker CLI does: the Dockerfile and .dockerignore are always
	// sent, even when a pattern excludes them.
	if len(patterns) > 0 {
		patterns = append(patterns, "!.dockerignore", "!"+bc.dockerfile)
	}
	if bc.matcher, err = patternmatcher.New(patterns); err != nil {
		return nil, fmt.Errorf("read .dockerignore in %s: %w", dir, err)
	}
	return bc, nil
}

// readIgnore reads <Dockerfile>.dockerignore next to the Dockerfile if there
// is one (BuildKit's rule), else .dockerignore at the context root, and
// returns its patterns and path.
func readIgnore(dir, dockerfile string) ([]string, string, error) {
	for _, p := range []string{dockerfile + ".dockerignore", filepath.Join(dir, ".dockerignore")} {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", p, err)
		}
		patterns, err := ignorefile.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", p, err)
		}
		return patterns, p, nil
	}
	return nil, "", nil
}

// excluded reports whether p (absolute) is one of valet's own paths or
// lies below one.
func (bc *buildContext) excluded(p string) bool {
	for _, x := range bc.exclude {
		if p == x || strings.HasPrefix(p, x+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// sends reports whether the file at path (absolute, inside the context) is
// part of the context as sent: not valet's, not ignored by .dockerignore.
func (bc *buildContext) sends(path string) bool {
	if bc.excluded(path) {
		return false
	}
	rel, err := filepath.Rel(bc.dir, path)
	if err != nil || !filepath.IsLocal(rel) {
		return false
	}
	// MatchesOrParentMatches applies a directory's match to what it holds,
	// as the walk does through MatchesUsingParentResults.
	ignored, err := bc.matcher.MatchesOrParentMatches(filepath.ToSlash(rel))
	return err != nil || !ignored
}

// epoch is every entry's mtime: the tar, and so the digest, depend on
// contents and modes only.
var epoch = time.Unix(0, 0).UTC()

// WriteTar writes the context as a deterministic tar: entries in lexical
// order, zeroed times and owners, ignored paths left out.
func (bc *buildContext) WriteTar(w io.Writer) error {
	tw := tar.NewWriter(w)
	parents := map[string]patternmatcher.MatchInfo{}
	err := filepath.WalkDir(bc.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read build context: %w", err)
		}
		rel, err := filepath.Rel(bc.dir, p)
		if err != nil || rel == "." {
			return err
		}
		if bc.excluded(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel = filepath.ToSlash(rel)
		excluded, info, err := bc.matcher.MatchesUsingParentResults(rel, parents[path.Dir(rel)])
		if err != nil {
			return fmt.Errorf("match .dockerignore against %s: %w", rel, err)
		}
		if d.IsDir() {
			parents[rel] = info
			if excluded && !bc.mayReinclude(rel) {
				return filepath.SkipDir
			}
		}
		if excluded {
			return nil
		}
		return addEntry(tw, p, rel, d)
	})
	if err != nil {
		return err
	}
	if bc.dockerfile == outsideDockerfile {
		if err := addFile(tw, bc.dfSource, outsideDockerfile, 0o644); err != nil {
			return err
		}
	}
	return tw.Close()
}

// mayReinclude reports whether an exception pattern (!pattern) could match
// something under the excluded directory dir, so it must still be walked.
func (bc *buildContext) mayReinclude(dir string) bool {
	if !bc.matcher.Exclusions() {
		return false
	}
	for _, pat := range bc.matcher.Patterns() {
		if !pat.Exclusion() {
			continue
		}
		s := pat.String()
		if strings.HasPrefix(s+"/", dir+"/") || strings.HasPrefix(dir+"/", s+"/") || strings.ContainsAny(s, "*?[") {
			return true
		}
	}
	return false
}

func addEntry(tw *tar.Writer, p, rel string, d fs.DirEntry) error {
	fi, err := d.Info()
	if err != nil {
		return fmt.Errorf("read build context: %w", err)
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		return addFile(tw, p, rel, mode.Perm())
	case mode.IsDir():
		return writeHeader(tw, &tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: int64(mode.Perm())})
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return fmt.Errorf("read build context: %w", err)
		}
		return writeHeader(tw, &tar.Header{Typeflag: tar.TypeSymlink, Name: rel, Linkname: target, Mode: 0o777})
	default:
		return nil // sockets, devices and pipes cannot be sent
	}
}

func addFile(tw *tar.Writer, src, name string, perm fs.FileMode) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("read build context: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read build context: %w", err)
	}
	if err := writeHeader(tw, &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(perm), Size: st.Size()}); err != nil {
		return err
	}
	// A file that grows while it is read must not corrupt the tar.
	if _, err := io.CopyN(tw, f, st.Size()); err != nil {
		return fmt.Errorf("read build context file %s: %w", src, err)
	}
	return nil
}

func writeHeader(tw *tar.Writer, h *tar.Header) error {
	h.ModTime, h.AccessTime, h.ChangeTime = epoch, time.Time{}, time.Time{}
	h.Format = tar.FormatPAX
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("write build context: %w", err)
	}
	return nil
}
