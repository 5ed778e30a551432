package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// ManifestFile is the name of the manifest inside the build directory.
const ManifestFile = "manifest.json"

// Manifest describes one build: every file with its hash, the images, and
// the version digest that deploy uses to tell versions apart.
type Manifest struct {
	App     string    `json:"app"`
	Env     string    `json:"env,omitempty"`
	Version string    `json:"version"` // first 12 hex digits of Digest
	Digest  string    `json:"digest"`  // sha256 of everything below
	Created time.Time `json:"created"`

	Worker *FileEntry `json:"worker,omitempty"`
	// WorkerExports are the worker module's exports ("default" included).
	WorkerExports []string `json:"worker_exports,omitempty"`
	// WorkerMain is the worker's module name when it is not worker.js (the
	// entry as written, with no_bundle).
	WorkerMain string `json:"worker_main,omitempty"`
	// WorkerModules ship beside the worker, each under its name (module
	// rules: text, data, wasm, JavaScript found by find_additional_modules).
	WorkerModules []ModuleEntry `json:"worker_modules,omitempty"`
	Map           *FileEntry    `json:"sourcemap,omitempty"`
	Assets        []FileEntry   `json:"assets,omitempty"`
	Images        []ImageEntry  `json:"images,omitempty"`
	// Config is the resolved config the version runs with, so a host can
	// serve it without the project's files.
	Config json.RawMessage `json:"config"`
}

// FileEntry is a file of the build, relative to the build directory.
type FileEntry struct {
	Path string `json:"path"`
	Hash string `json:"hash"` // hex sha256
	Size int64  `json:"size"`
}

// ModuleEntry is a module of the worker: its file, name and workerd type.
type ModuleEntry struct {
	FileEntry
	Name string `json:"name"`
	Type string `json:"type"`
}

// ImageEntry is a container image the version uses.
type ImageEntry struct {
	Class  string `json:"class"`
	Name   string `json:"name,omitempty"`
	Ref    string `json:"ref"`
	ID     string `json:"id"`
	Cached bool   `json:"cached"`
}

// computeDigest fills Digest and Version from the content, not from the
// time, so an unchanged project has the same version.
func (m *Manifest) computeDigest() {
	h := sha256.New()
	fmt.Fprintf(h, "app %s\nenv %s\n", m.App, m.Env)
	for _, f := range []*FileEntry{m.Worker, m.Map} {
		if f != nil {
			fmt.Fprintf(h, "file %s %s\n", f.Path, f.Hash)
		}
	}
	fmt.Fprintf(h, "exports %q\nmain %q\n", m.WorkerExports, m.WorkerMain)
	for _, mod := range m.WorkerModules {
		fmt.Fprintf(h, "module %q %s %s\n", mod.Name, mod.Type, mod.Hash)
	}
	sort.Slice(m.Assets, func(i, j int) bool { return m.Assets[i].Path < m.Assets[j].Path })
	for _, f := range m.Assets {
		fmt.Fprintf(h, "asset %s %s\n", f.Path, f.Hash)
	}
	for _, im := range m.Images {
		fmt.Fprintf(h, "image %s %s\n", im.Class, im.ID)
	}
	h.Write(m.Config)
	m.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	m.Version = m.Digest[len("sha256:") : len("sha256:")+12]
}

// ReadManifest reads the manifest of a build directory.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read build manifest: %w (run valet build first)", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read build manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return &m, nil
}

func (m *Manifest) write(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ManifestFile), append(b, '\n'))
}
