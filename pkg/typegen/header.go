package typegen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// commandLine is the command that regenerates the file, for its header.
func commandLine(opts Options, output string) string {
	cmd := "valet types"
	if opts.Env != "" {
		cmd += " --env " + opts.Env
	}
	if output != filepath.Join(filepath.Clean(opts.ConfigDir), DefaultOutput) {
		cmd += " --output " + relSlash(opts.ConfigDir, output)
	}
	if opts.OmitRuntime {
		cmd += " --include-runtime=false"
	}
	for _, c := range opts.WorkerConfigs {
		cmd += " -c " + c
	}
	return cmd
}

func relSlash(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// inputHash digests what the file is generated from: valet's declarations,
// the environment, the output location, the config bytes and the secret
// names. Secret values never enter it.
type inputHash struct{ parts []string }

func newInputHash(opts Options, output string) *inputHash {
	raw := opts.ConfigRaw
	if raw == nil {
		raw, _ = json.Marshal(opts.Config)
	}
	h := &inputHash{parts: []string{
		"valet-types " + declarationsVersion(),
		"env " + opts.Env,
		fmt.Sprintf("runtime %t", !opts.OmitRuntime),
		"output " + relSlash(opts.ConfigDir, output),
		"config " + string(raw),
	}}
	names := make([]string, 0, len(opts.Workers))
	for n := range opts.Workers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h.parts = append(h.parts, "worker "+n+" "+relSlash(opts.ConfigDir, opts.Workers[n]))
	}
	return h
}

func (h *inputHash) secrets(env string, s secretSource) {
	h.parts = append(h.parts, fmt.Sprintf("secrets %s %s: %s", env, strings.Join(s.Files, ","), strings.Join(s.Keys, ",")))
}

func (h *inputHash) sum() string {
	d := sha256.New()
	for _, p := range h.parts {
		fmt.Fprintf(d, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(d.Sum(nil))[:32]
}
