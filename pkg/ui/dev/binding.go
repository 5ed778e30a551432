package dev

import (
	"sort"

	"github.com/valet-dev/valet/pkg/config"
)

// Binding is one entry of the worker's env as the dashboard lists it.
type Binding struct {
	Name      string // env.NAME
	Kind      string // "durable object", "assets", "var", "secret"
	Class     string // the Durable Object class
	Container string // the class's container image (a Dockerfile path or a reference)
}

// BindingsFrom lists the bindings of c, Durable Objects first. Secrets
// are given by name only; values are never shown.
func BindingsFrom(c *config.Config, secrets []string) []Binding {
	var out []Binding
	if c == nil {
		return nil
	}
	images := map[string]string{}
	for _, ct := range c.Containers {
		images[ct.ClassName] = ct.Image
	}
	if c.DurableObjects != nil {
		for _, b := range c.DurableObjects.Bindings {
			out = append(out, Binding{Name: b.Name, Kind: "durable object", Class: b.ClassName, Container: images[b.ClassName]})
		}
	}
	if c.Assets != nil && c.Assets.Binding != "" {
		out = append(out, Binding{Name: c.Assets.Binding, Kind: "assets"})
	}
	vars := make([]string, 0, len(c.Vars))
	for k := range c.Vars {
		vars = append(vars, k)
	}
	sort.Strings(vars)
	for _, k := range vars {
		out = append(out, Binding{Name: k, Kind: "var"})
	}
	s := append([]string(nil), secrets...)
	sort.Strings(s)
	for _, k := range s {
		out = append(out, Binding{Name: k, Kind: "secret"})
	}
	return out
}
