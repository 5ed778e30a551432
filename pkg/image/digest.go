package image

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// digestVersion changes when what the digest covers changes, so that old
// tags are not taken for builds of the same input.
const digestVersion = "valet-image-input-v1"

// InputDigest is the sha256 ("sha256:<hex>") of everything a build depends
// on: the context as sent (after .dockerignore), the Dockerfile, the build
// args and the platform. Equal digests mean the build can be skipped.
func InputDigest(opts BuildOptions) (string, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	bc, err := newBuildContext(opts.Context, opts.Dockerfile, opts.Exclude)
	if err != nil {
		return "", err
	}
	return bc.digest(opts)
}

// Inputs tells which files a build of opts reads, so that a watcher asks
// for a build only when one of them changed.
type Inputs struct {
	bc *buildContext // nil: every path (AllInputs)
}

// AllInputs has every path: for a build whose context cannot be read yet.
func AllInputs() *Inputs { return &Inputs{} }

// NewInputs reads the context's .dockerignore for opts.
func NewInputs(opts BuildOptions) (*Inputs, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	bc, err := newBuildContext(opts.Context, opts.Dockerfile, opts.Exclude)
	if err != nil {
		return nil, err
	}
	return &Inputs{bc: bc}, nil
}

// Has reports whether a change at path (absolute) can change the build's
// input: the Dockerfile, the ignore file, or a file of the context that
// neither .dockerignore nor Exclude leaves out.
func (in *Inputs) Has(path string) bool {
	bc := in.bc
	if bc == nil {
		return true
	}
	switch path = filepath.Clean(path); path {
	case bc.dfSource, bc.dfSource + ".dockerignore", filepath.Join(bc.dir, ".dockerignore"):
		return !bc.excluded(path)
	}
	return bc.sends(path)
}

func (bc *buildContext) digest(opts BuildOptions) (string, error) {
	h := sha256.New()
	if err := bc.WriteTar(h); err != nil {
		return "", err
	}
	keys := make([]string, 0, len(opts.BuildArgs))
	for k := range opts.BuildArgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(h, "\x00%s\x00dockerfile=%s\x00platform=%s\x00target=%s\x00", digestVersion, bc.dockerfile, opts.Platform, opts.Target)
	for _, k := range keys {
		fmt.Fprintf(h, "arg %q=%q\x00", k, opts.BuildArgs[k])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// imageRef is "<repo>:<first 12 hex digits of digest>".
func imageRef(repo, digest string) string {
	return repo + ":" + strings.TrimPrefix(digest, "sha256:")[:12]
}

// RepoName turns a base name such as "valet-MyApp-Container" into a valid
// image repository name: lower case, only [a-z0-9._-], no leading separator.
func RepoName(base string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '/':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-._/")
	if s == "" {
		return "valet-image"
	}
	return s
}
