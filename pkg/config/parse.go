package config

import (
	"bytes"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// Parse decodes and validates a config file's content. filename names the
// file in diagnostics and chooses the format by extension (.toml is TOML,
// anything else JSON with comments). It touches no file system.
//
// It returns the config as far as it could be decoded, every diagnostic
// (errors and warnings, sorted by position), and a *Error when any of them
// is an error.
func Parse(filename string, data []byte) (*Config, []Diagnostic, error) {
	p := parse(filename, data)
	if hasErrors(p.diags) {
		return p.cfg, p.diags, &Error{Diagnostics: p.diags}
	}
	return p.cfg, p.diags, nil
}

// parsed keeps the decoder beside the config so that later steps (env
// resolution) can still point at keys in the file.
type parsed struct {
	cfg   *Config
	dec   *decoder
	diags []Diagnostic
}

func formatOf(filename string) string {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".toml":
		return "toml"
	case ".json":
		return "json"
	}
	return "jsonc"
}

func parse(filename string, data []byte) *parsed {
	src := &source{file: filename, data: bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))}
	p := &parsed{cfg: &Config{}, dec: newDecoder(src)}
	var root *node
	var diags []Diagnostic
	switch {
	case formatOf(filename) == "toml":
		root, diags = parseTOML(src)
	case len(bytes.TrimSpace(src.data)) == 0:
		diags = []Diagnostic{{File: filename, Line: 1, Col: 1, Severity: SeverityError,
			Message: "the config file is empty", Hint: `write a JSON object such as {"name": "my-app"}, or run valet init`}}
	default:
		root, diags = parseJSONC(src)
	}
	if root == nil {
		p.diags = diags
		return p
	}
	d := p.dec
	if root.kind != kindObject {
		d.errorf(root, `a config file is one JSON object: { "name": "my-app", ... }`, "expected object, got %s", root.describe())
		p.diags = sortDiagnostics(d.diags)
		return p
	}
	d.decode(root, reflect.ValueOf(p.cfg).Elem(), "")

	envs := make([]string, 0, len(p.cfg.Env))
	for name, e := range p.cfg.Env {
		if e != nil {
			envs = append(envs, name)
		}
	}
	sort.Strings(envs)

	d.applyExports(p.cfg, "", p.cfg.Exports, true)
	for _, name := range envs {
		ex, own := exportsOf(p.cfg, p.cfg.Env[name])
		d.applyExports(p.cfg.Env[name], "env."+name, ex, own)
	}
	d.checkValues(p.cfg, "")
	for _, name := range envs {
		d.checkValues(p.cfg.Env[name], "env."+name)
	}
	d.checkRefs(p.cfg, func(key string) string { return key })
	for _, name := range envs {
		r, _, err := resolve(p.cfg, name)
		if err != nil {
			continue
		}
		prefix := "env." + name
		d.checkRefs(r, func(key string) string {
			if _, ok := d.vals[join(prefix, key)]; ok || nonInheritable(key) {
				return join(prefix, key)
			}
			return key
		})
	}
	p.diags = sortDiagnostics(d.diags)
	return p
}
