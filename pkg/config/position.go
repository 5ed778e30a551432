package config

import (
	"fmt"
	"os"
)

// Position returns where the first of paths that the config file holds is
// written, as "file:line:col" (file relative to the working directory when
// inside it), for messages about the project that checks after Load find:
// a path is a key as diagnostics name it, e.g.
// "durable_objects.bindings[1].class_name". For an environment its own
// section (env.<name>.<path>) is looked up first. "" when none is there.
func (p *Project) Position(paths ...string) string {
	if p == nil || len(p.Raw) == 0 {
		return ""
	}
	file := p.Path
	if wd, err := os.Getwd(); err == nil {
		file = displayName(wd, p.Path)
	}
	parsed := parse(file, p.Raw)
	d := parsed.dec
	for _, path := range paths {
		candidates := []string{path}
		if p.Env != "" {
			candidates = []string{join("env."+p.Env, path), path}
		}
		for _, c := range candidates {
			// A scalar is shown at its value ("FooBar"), an object or a
			// list at its key.
			n, ok := d.vals[c]
			if k, hasKey := d.keys[c]; hasKey && (!ok || n.kind == kindObject || n.kind == kindArray) {
				n, ok = k, true
			}
			if ok {
				line, col := d.src.pos(n)
				return fmt.Sprintf("%s:%d:%d", file, line, col)
			}
		}
	}
	return ""
}
