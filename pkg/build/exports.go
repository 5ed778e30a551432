package build

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/valet-dev/valet/pkg/config"
)

// ExportsError is a Durable Object class the config needs that the worker's
// entry does not export. valet build, valet deploy and valet dev refuse
// such a version alike (as wrangler does, with its words), whatever runs
// the script; the check reads the bundle's exports, never the script.
type ExportsError struct {
	Entry   string         // main, as the config writes it
	Missing []MissingClass // sorted by class
	Exports []string       // what the entry does export
}

// MissingClass is one class the worker does not export, with the config
// entry that needs it.
type MissingClass struct {
	Class string
	What  string // `durable_objects binding "MY_DO"`, `container "backend"`, `exports.Room`
	At    string // file:line:col of it in the config, or ""
}

func (e *ExportsError) Error() string {
	classes := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		classes[i] = m.Class
	}
	var b strings.Builder
	fmt.Fprintf(&b, "your Worker depends on the following Durable Objects, which are not exported in your entrypoint file: %s.\nYou should export these objects from your entrypoint, %s",
		strings.Join(classes, ", "), e.Entry)
	for _, m := range e.Missing {
		b.WriteString("\n  ")
		if m.At != "" {
			b.WriteString(m.At + ": ")
		}
		fmt.Fprintf(&b, "%s needs class %q", m.What, m.Class)
	}
	fmt.Fprintf(&b, "\n  hint: export the class from %s (export class %s extends DurableObject { … }), or set class_name to a class it exports",
		e.Entry, e.Missing[0].Class)
	var classLike []string
	for _, x := range e.Exports {
		if x != "default" {
			classLike = append(classLike, x)
		}
	}
	if len(classLike) > 0 {
		fmt.Fprintf(&b, " (%s exports %s)", e.Entry, strings.Join(classLike, ", "))
	}
	return b.String()
}

// CheckExports returns an *ExportsError when a Durable Object class that p
// binds (without script_name: another worker's class is that worker's
// business), that a container backs or that wrangler's exports map
// declares is not among exports, the names the worker's entry exports.
func CheckExports(p *config.Project, exports []string) error {
	c := p.Config
	missing := map[string]MissingClass{}
	need := func(class, what string, paths ...string) {
		if class == "" || slices.Contains(exports, class) {
			return
		}
		if _, seen := missing[class]; !seen {
			missing[class] = MissingClass{Class: class, What: what, At: p.Position(paths...)}
		}
	}
	if c.DurableObjects != nil {
		for i, b := range c.DurableObjects.Bindings {
			if b.ScriptName == "" {
				at := fmt.Sprintf("durable_objects.bindings[%d]", i)
				need(b.ClassName, fmt.Sprintf("durable_objects binding %q", b.Name), at+".class_name", at)
			}
		}
	}
	for i, ct := range c.Containers {
		at := fmt.Sprintf("containers[%d]", i)
		what := "containers[" + fmt.Sprint(i) + "]"
		if ct.Name != "" {
			what = fmt.Sprintf("container %q", ct.Name)
		}
		// A container attached by the exports map has no class_name of its own.
		need(ct.ClassName, what, at+".class_name", "exports."+ct.ClassName, at)
	}
	for _, name := range c.ExportedClasses() {
		need(name, "exports."+name, "exports."+name)
	}
	if len(missing) == 0 {
		return nil
	}
	e := &ExportsError{Entry: c.Main, Exports: exports}
	for _, m := range missing {
		e.Missing = append(e.Missing, m)
	}
	sort.Slice(e.Missing, func(i, j int) bool { return e.Missing[i].Class < e.Missing[j].Class })
	return e
}
