package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Filenames returns the config files valet looks for, in order of
// preference.
func Filenames() []string {
	return []string{"valet.jsonc", "valet.json", "wrangler.jsonc", "wrangler.json", "wrangler.toml"}
}

// LoadOptions says which config to load and for which environment.
type LoadOptions struct {
	Path string // -c/--config; empty: discover
	Dir  string // where discovery starts; empty: the working directory
	Env  string // --env; empty: top level
}

// Project is a loaded config, resolved for one environment.
type Project struct {
	Path     string  // absolute path of the config file
	Dir      string  // its directory; relative paths in the config resolve against it
	Format   string  // "jsonc", "json" or "toml"
	Env      string  // the environment resolved ("" = top level)
	Config   *Config // resolved for Env: env overrides applied, Env map cleared
	Raw      []byte  // the file's bytes (typegen hashes them)
	Warnings []Diagnostic
}

// Abs resolves a path from the config against the config's directory;
// absolute paths are returned unchanged.
func (p *Project) Abs(rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(p.Dir, rel)
}

// Load finds, parses, validates and resolves the config for opts.Env.
// Errors a user can cause are *Error (ExitCode() == 2).
func Load(opts LoadOptions) (*Project, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	dir := opts.Dir
	if dir == "" {
		dir = wd
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	path, err := find(dir, opts.Path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}

	p := parse(displayName(wd, path), data)
	if hasErrors(p.diags) {
		return nil, &Error{Diagnostics: p.diags}
	}
	cfg, missing, err := resolve(p.cfg, opts.Env)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			for i := range ce.Diagnostics {
				d := &ce.Diagnostics[i]
				d.File = p.dec.src.file
				d.Line, d.Col = p.dec.src.pos(p.dec.keyAt("env"))
			}
			ce.Diagnostics = sortDiagnostics(append(ce.Diagnostics, p.diags...))
		}
		return nil, err
	}
	warnings := p.diags
	for _, m := range missing {
		prefix := "env." + opts.Env
		line, col := p.dec.src.pos(p.dec.keyAt(prefix))
		warnings = append(warnings, Diagnostic{
			File: p.dec.src.file, Line: line, Col: col, Severity: SeverityWarning,
			Message: fmt.Sprintf("%q exists at the top level but not in %q; %s is not inherited by environments, so %s has none", m.key, prefix, m.key, opts.Env),
			Hint:    fmt.Sprintf("add %q to %s (copy it from the top level if %s needs the same)", m.key, prefix, opts.Env),
		})
	}
	return &Project{
		Path:     path,
		Dir:      filepath.Dir(path),
		Format:   formatOf(path),
		Env:      opts.Env,
		Config:   cfg,
		Raw:      data,
		Warnings: sortDiagnostics(warnings),
	}, nil
}

// find returns the absolute path of the config: the one named by explicit
// (relative to dir), or the first of Filenames found walking up from dir.
func find(dir, explicit string) (string, error) {
	if explicit != "" {
		path := explicit
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		info, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", &Error{Diagnostics: []Diagnostic{{Severity: SeverityError,
				Message: fmt.Sprintf("config file %s does not exist", explicit),
				Hint:    "check the path given to -c/--config (or VALET_CONFIG), or run valet init to create one"}}}
		case err != nil:
			return "", fmt.Errorf("config %s: %w", explicit, err)
		case info.IsDir():
			if found := findIn(path); found != "" {
				return found, nil
			}
			return "", notFound(path, false)
		}
		switch formatOf(path) {
		case "toml", "json":
		default:
			if ext := filepath.Ext(path); ext != ".jsonc" {
				return "", &Error{Diagnostics: []Diagnostic{{Severity: SeverityError,
					Message: fmt.Sprintf("config file %s has an unsupported format %q", explicit, ext),
					Hint:    "use a .jsonc, .json or .toml file"}}}
			}
		}
		return path, nil
	}
	for d := dir; ; {
		if found := findIn(d); found != "" {
			return found, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", notFound(dir, true)
		}
		d = parent
	}
}

func findIn(dir string) string {
	for _, name := range Filenames() {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}

func notFound(dir string, walked bool) error {
	where := dir
	if walked {
		where += " or any parent directory"
	}
	return &Error{Diagnostics: []Diagnostic{{Severity: SeverityError,
		Message: fmt.Sprintf("no config file in %s (looked for %s)", where, strings.Join(Filenames(), ", ")),
		Hint:    "run valet init to create one, or pass -c PATH",
	}}}
}

// displayName is how diagnostics name the file: relative to the working
// directory when it is inside it, as compilers do, else absolute.
func displayName(wd, path string) string {
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
