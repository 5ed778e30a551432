package dev

import (
	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
)

// Binding is one entry of the worker's env as the dashboard lists it.
type Binding struct {
	Name      string // env.NAME
	Kind      string // "durable object", "assets", "var", "secret"
	Class     string // the Durable Object class
	Container string // the class's container image (a Dockerfile path or a reference)
}

// BindingsFrom lists the bindings of c as the registry orders them for the
// dashboard (Durable Objects first). Secrets are given by name only; values
// are never shown.
func BindingsFrom(c *config.Config, secrets []string) []Binding {
	var out []Binding
	for _, b := range bindings.Rows(c, secrets) {
		out = append(out, Binding{Name: b.Name, Kind: b.Kind.Name, Class: b.Class, Container: b.Container})
	}
	return out
}
