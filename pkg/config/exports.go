package config

import (
	"slices"
	"sort"
)

// Export is one entry of wrangler's declarative `exports` map, keyed by the
// exported class name. For Durable Objects it replaces migrations: a live
// entry creates the class, tombstones (deleted, renamed, transferred) retire
// it, and `container` attaches a container by its name instead of the
// container naming the class.
type Export struct {
	Type          string `json:"type" jsonschema:"required,enum=durable-object,enum=worker"`
	State         string `json:"state,omitempty" jsonschema:"enum=created,enum=deleted,enum=renamed,enum=transferred,enum=expecting-transfer,description=Lifecycle of the Durable Object (default created)"`
	Storage       string `json:"storage,omitempty" jsonschema:"enum=sqlite,enum=legacy-kv"`
	Container     string `json:"container,omitempty" jsonschema:"description=Name of an entry of containers that backs this class"`
	RenamedTo     string `json:"renamed_to,omitempty"`
	TransferredTo string `json:"transferred_to,omitempty"`
	TransferFrom  string `json:"transfer_from,omitempty"`
}

// liveDurableObject reports whether the export declares a Durable Object
// class that exists (created, or awaiting a transfer).
func (e *Export) liveDurableObject() bool {
	if e == nil || e.Type != "durable-object" {
		return false
	}
	return e.State == "" || e.State == "created" || e.State == "expecting-transfer"
}

// ExportedClasses returns, sorted, the Durable Object classes that the
// config's exports declare live; they exist without a migration and are
// reachable through ctx.exports without a binding.
func (c *Config) ExportedClasses() []string {
	var out []string
	for name, e := range c.Exports {
		if e.liveDurableObject() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// applyExports checks one section's exports and copies each `container`
// attachment into the named container's class_name, so that everything
// after the config sees containers one way. exports is the section's own
// map, or the top level's when the section inherits it (own == false).
func (d *decoder) applyExports(c *Config, prefix string, exports map[string]*Export, own bool) {
	p := func(s string) string { return join(prefix, s) }
	names := make([]string, 0, len(exports))
	for name := range exports {
		names = append(names, name)
	}
	sort.Strings(names)
	hasDO := false
	for _, name := range names {
		e := exports[name]
		if e == nil || e.Type != "durable-object" {
			continue
		}
		hasDO = true
		ep := p("exports." + name)
		if !own {
			ep = "exports." + name
		}
		if own && e.liveDurableObject() && e.Storage == "" {
			d.errorf(d.nodeAt(ep), `add "storage": "sqlite"`, "%smissing required key %q", at(ep), "storage")
		}
		if own && e.State == "renamed" && e.RenamedTo == "" {
			d.errorf(d.nodeAt(ep), `name the new class, e.g. "renamed_to": "NewClass"`, "%smissing required key %q", at(ep), "renamed_to")
		}
		if e.Container == "" {
			continue
		}
		if own && !e.liveDurableObject() {
			d.errorf(d.nodeAt(ep+".container"), "remove container, or set the state back to created", "%sa %s Durable Object cannot have a container", at(ep+".container"), e.State)
			continue
		}
		if own && e.Storage == "legacy-kv" {
			d.errorf(d.nodeAt(ep+".storage"), `use "storage": "sqlite"`, "%sa Durable Object with a container needs sqlite storage", at(ep+".storage"))
		}
		i := slices.IndexFunc(c.Containers, func(ct Container) bool { return ct.Name == e.Container })
		if i < 0 {
			if own && len(c.Containers) > 0 {
				d.errorf(d.nodeAt(ep+".container"), "name one of the containers: "+quoteList(containerNames(c.Containers)),
					"%sno container is named %q", at(ep+".container"), e.Container)
			}
			continue
		}
		ct := &c.Containers[i]
		switch ct.ClassName {
		case "":
			ct.ClassName = name
		case name:
		default:
			cp := index(p("containers"), i) + ".class_name"
			d.errorf(d.nodeAt(cp), "attach the container one way: remove class_name, or container from exports."+name,
				"%scontainer %q is attached to class %q here and to %q by exports", at(cp), e.Container, ct.ClassName, name)
		}
	}
	if own && hasDO && len(c.Migrations) > 0 {
		d.errorf(d.keyAt(p("exports")), "declare Durable Objects either in exports or in migrations, not both",
			"%sexports declares Durable Objects and migrations exist too", at(p("exports")))
	}
	for i, ct := range c.Containers {
		if ct.ClassName != "" {
			continue
		}
		cp := index(p("containers"), i)
		d.errorf(d.nodeAt(cp), requiredHint(typeContainer, "class_name"),
			"%smissing required key %q", at(cp), "class_name")
	}
}

func containerNames(cs []Container) []string {
	var out []string
	for _, ct := range cs {
		if ct.Name != "" {
			out = append(out, ct.Name)
		}
	}
	return out
}

// exportsOf returns the exports a section sees: its own, else the top
// level's (exports is inheritable).
func exportsOf(top, section *Config) (map[string]*Export, bool) {
	if section.Exports != nil {
		return section.Exports, true
	}
	return top.Exports, false
}
