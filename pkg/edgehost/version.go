package edgehost

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/internal/atomicfile"
)

// Plan is what the host answers to a manifest: which of its files it lacks.
type Plan struct {
	Version      string   `json:"version"`
	Active       string   `json:"active,omitempty"`
	Staged       bool     `json:"staged"` // the version is already complete on the host
	Missing      []string `json:"missing,omitempty"`
	MissingBytes int64    `json:"missing_bytes"`
	Summary      string   `json:"summary"`
}

// Files returns the manifest's files (worker, source map, the worker's
// modules, assets).
func Files(m *build.Manifest) []build.FileEntry {
	var out []build.FileEntry
	for _, f := range []*build.FileEntry{m.Worker, m.Map} {
		if f != nil {
			out = append(out, *f)
		}
	}
	for _, mod := range m.WorkerModules {
		out = append(out, mod.FileEntry)
	}
	return append(out, m.Assets...)
}

// moduleTypes are the module types a worker's modules may have.
var moduleTypes = map[string]bool{"esModule": true, "commonJsModule": true, "text": true, "data": true, "wasm": true, "json": true}

// validate refuses manifests whose names could escape the version's
// directory or whose hashes are not hashes.
func validate(m *build.Manifest) error {
	if !validID(m.Version) {
		return fmt.Errorf("manifest: invalid version %q", m.Version)
	}
	for _, f := range Files(m) {
		if !validHash(f.Hash) {
			return fmt.Errorf("manifest: %s has an invalid hash %q", f.Path, f.Hash)
		}
		if !localPath(f.Path) {
			return fmt.Errorf("manifest: invalid file path %q", f.Path)
		}
	}
	// Module names become files of the version's run directory too.
	if m.WorkerMain != "" && !localPath(m.WorkerMain) {
		return fmt.Errorf("manifest: invalid worker module name %q", m.WorkerMain)
	}
	for _, mod := range m.WorkerModules {
		if !localPath(mod.Name) || !moduleTypes[mod.Type] {
			return fmt.Errorf("manifest: invalid worker module %q of type %q", mod.Name, mod.Type)
		}
	}
	return nil
}

// localPath reports whether p is a clean relative path that stays below
// the directory it is joined to.
func localPath(p string) bool {
	clean := path.Clean(p)
	return p != "" && !path.IsAbs(p) && clean == p && !strings.HasPrefix(clean, "../") && clean != ".."
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ReadManifestFile reads and validates a manifest.
func ReadManifestFile(p string) (*build.Manifest, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var m build.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", p, err)
	}
	return &m, validate(&m)
}

// Manifest returns the manifest of a staged version.
func (s *Store) Manifest(id string) (*build.Manifest, error) {
	if !validID(id) {
		return nil, fmt.Errorf("invalid version %q", id)
	}
	m, err := ReadManifestFile(s.path("versions", id, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("version %s is not on this host; `valet versions` lists the ones kept", id)
	}
	return m, err
}

// VersionDir is where a staged version's files are.
func (s *Store) VersionDir(id string) string { return s.path("versions", id) }

// Plan compares the manifest uploaded to incoming/<tx> with the host.
func (s *Store) Plan(tx string) (*Plan, error) {
	m, err := s.incomingManifest(tx)
	if err != nil {
		return nil, err
	}
	st, err := s.Read()
	if err != nil {
		return nil, err
	}
	p := &Plan{Version: m.Version, Active: st.Active}
	if _, err := os.Stat(s.path("versions", m.Version, "manifest.json")); err == nil {
		p.Staged = true
	}
	seen := map[string]bool{}
	for _, f := range Files(m) {
		if seen[f.Hash] {
			continue
		}
		seen[f.Hash] = true
		if _, err := os.Stat(s.path("blobs", f.Hash)); err != nil {
			p.Missing = append(p.Missing, f.Hash)
			p.MissingBytes += f.Size
		}
	}
	p.Summary = s.summary(st.Active, m)
	return p, nil
}

// Missing returns the hashes of hashes that are not in blobs/ (never nil).
func (s *Store) Missing(hashes []string) ([]string, error) {
	missing := []string{}
	for _, h := range hashes {
		if !validHash(h) {
			return nil, fmt.Errorf("invalid hash %q", h)
		}
		if _, err := os.Stat(s.path("blobs", h)); err != nil {
			missing = append(missing, h)
		}
	}
	return missing, nil
}

func (s *Store) incomingManifest(tx string) (*build.Manifest, error) {
	if !validID(tx) {
		return nil, fmt.Errorf("invalid upload id %q", tx)
	}
	m, err := ReadManifestFile(s.path("incoming", tx, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read uploaded manifest: %w", err)
	}
	return m, nil
}

// Stage moves the blobs uploaded to incoming/<tx>/blobs into blobs/
// (checking each one's hash), lays out versions/<id>, records the version in
// the history and removes the upload. The active version is not touched.
// Every blob and directory of the version is on disk (fsynced) before the
// history names it, so a switch to it survives a power cut: the engine's
// copy into the container wrote the uploads without syncing them.
func (s *Store) Stage(tx string) (*VersionRecord, error) {
	m, err := s.incomingManifest(tx)
	if err != nil {
		return nil, err
	}
	in := s.path("incoming", tx)
	for _, f := range Files(m) {
		if err := s.ingest(filepath.Join(in, "blobs", f.Hash), f.Hash); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	if err := atomicfile.SyncDir(s.path("blobs")); err != nil {
		return nil, fmt.Errorf("sync blobs: %w", err)
	}
	if err := s.layout(m); err != nil {
		return nil, err
	}
	var rec VersionRecord
	_, err = s.Update(func(st *State) error {
		st.App = m.App
		if r, ok := st.Record(m.Version); ok {
			rec = r
			return nil
		}
		rec = VersionRecord{ID: m.Version, Digest: m.Digest, Created: time.Now().UTC(), Summary: s.summary(st.Active, m)}
		for _, im := range m.Images {
			rec.Images = append(rec.Images, im.ID)
		}
		st.History = append([]VersionRecord{rec}, st.History...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	_ = os.RemoveAll(in)
	s.cleanIncoming(time.Hour)
	return &rec, nil
}

// ingest moves an uploaded blob into blobs/ after checking its hash and
// syncing it to disk; a blob already there needs no upload.
func (s *Store) ingest(src, hash string) error {
	dst := s.path("blobs", hash)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	f, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob %s was not uploaded", hash[:12])
	}
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash {
		return fmt.Errorf("uploaded blob %s has hash %s: the upload was corrupted, deploy again", hash[:12], got[:12])
	}
	if err := os.Chmod(src, 0o644); err != nil {
		return err
	}
	// Same filesystem (the volume): the rename is atomic. Stage syncs
	// blobs/ once all are in.
	return os.Rename(src, dst)
}

// layout builds versions/<id> in a temp directory and renames it into place:
// hard links to the blobs, so a version costs no extra space. Each of its
// directories is synced before the rename, and versions/ after it.
func (s *Store) layout(m *build.Manifest) error {
	final := s.path("versions", m.Version)
	if _, err := os.Stat(filepath.Join(final, "manifest.json")); err == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(s.path("versions"), ".tmp-"+m.Version+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dirs := map[string]bool{tmp: true}
	for _, f := range Files(m) {
		dst := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		for d := filepath.Dir(dst); d != tmp && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
		if err := os.Link(s.path("blobs", f.Hash), dst); err != nil {
			return fmt.Errorf("lay out %s: %w", f.Path, err)
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(tmp, "manifest.json"), b, 0o644); err != nil {
		return err
	}
	for d := range dirs {
		if err := atomicfile.SyncDir(d); err != nil {
			return fmt.Errorf("sync %s: %w", d, err)
		}
	}
	_ = os.RemoveAll(final) // a partial one from an older valet
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return atomicfile.SyncDir(s.path("versions"))
}

// cleanIncoming removes uploads older than age: left by a client killed
// mid-deploy.
func (s *Store) cleanIncoming(age time.Duration) {
	entries, _ := os.ReadDir(s.path("incoming"))
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			_ = os.RemoveAll(s.path("incoming", e.Name()))
		}
	}
}

// summary says what changed from the active version to m.
func (s *Store) summary(active string, m *build.Manifest) string {
	if active == "" {
		return "first version"
	}
	if active == m.Version {
		return "no change"
	}
	old, err := s.Manifest(active)
	if err != nil {
		return "new version"
	}
	return Diff(old, m)
}

// Diff describes the change between two manifests in a few words.
func Diff(old, cur *build.Manifest) string {
	var parts []string
	if hashOf(old.Worker) != hashOf(cur.Worker) {
		parts = append(parts, "worker")
	}
	before := map[string]string{}
	for _, f := range old.Assets {
		before[f.Path] = f.Hash
	}
	changed := 0
	for _, f := range cur.Assets {
		if h, ok := before[f.Path]; !ok || h != f.Hash {
			changed++
		}
		delete(before, f.Path)
	}
	changed += len(before)
	if changed > 0 {
		parts = append(parts, plural(changed, "asset"))
	}
	imgs := map[string]string{}
	for _, im := range old.Images {
		imgs[im.Class] = im.ID
	}
	n := 0
	for _, im := range cur.Images {
		if imgs[im.Class] != im.ID {
			n++
		}
	}
	if n > 0 {
		parts = append(parts, plural(n, "image"))
	}
	if !bytes.Equal(compactJSON(old.Config), compactJSON(cur.Config)) {
		parts = append(parts, "config")
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ") + " changed"
}

func hashOf(f *build.FileEntry) string {
	if f == nil {
		return ""
	}
	return f.Hash
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}
