package bundle

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// metafile is the part of esbuild's metafile valet reads. Paths are
// relative to the build's working directory (the project root); modules of
// a plugin namespace appear as "namespace:path".
type metafile struct {
	Inputs  map[string]json.RawMessage `json:"inputs"`
	Outputs map[string]metaOutput      `json:"outputs"`
}

type metaOutput struct {
	EntryPoint string       `json:"entryPoint"`
	Exports    []string     `json:"exports"` // listed by esbuild for ESM output only
	CSSBundle  string       `json:"cssBundle"`
	Imports    []metaImport `json:"imports"`
	Bytes      int          `json:"bytes"`
}

type metaImport struct {
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	External bool   `json:"external"`
}

func parseMetafile(s string) (*metafile, error) {
	var m metafile
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("read esbuild metafile: %w", err)
	}
	return &m, nil
}

// entryExports lists the names the entry point's output exports, sorted.
func (m *metafile) entryExports() []string {
	for _, o := range m.Outputs {
		if o.EntryPoint != "" {
			return append([]string{}, o.Exports...)
		}
	}
	return []string{}
}

// fileNamespaces are valet's namespaces whose paths are real files.
var fileNamespaces = []string{rawNamespace + ":", urlNamespace + ":"}

// inputFiles lists the real files that went into the build, absolute and
// sorted; virtual modules (builtins, HTML entries) are left out.
func (m *metafile) inputFiles(root string) []string {
	seen := map[string]bool{}
	for p := range m.Inputs {
		for _, ns := range fileNamespaces {
			p = strings.TrimPrefix(p, ns)
		}
		if i := strings.Index(p, ":"); i > 1 && !filepath.IsAbs(p) {
			continue // another namespace ("valet-builtin:node:fs")
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, filepath.FromSlash(p))
		}
		seen[p] = true
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
