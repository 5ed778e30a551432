package dev

import (
	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
)

// Binding is one entry of the worker's env as the dashboard lists it.
type Binding struct {
	Name      string // env.NAME, or what a row outside env names (a queue consumer's queue, the crons)
	Kind      string // "durable object", "assets", "var", "secret", "queue", "cron", ...
	Class     string // the Durable Object class, or the worker a service binding reaches
	Container string // the class's container image (a Dockerfile path or a reference)
	// Key is the row's key in Options.State (bindings.RowKey); "" is Name.
	Key string
}

// BindingsFrom lists the bindings of c as the registry orders them for the
// dashboard (Durable Objects first). Secrets are given by name only; values
// are never shown.
func BindingsFrom(c *config.Config, secrets []string) []Binding {
	var out []Binding
	for _, b := range bindings.Rows(c, secrets) {
		out = append(out, Binding{Name: b.Name, Kind: b.Kind.Name, Class: b.Class, Container: b.Container, Key: bindings.RowKey(b)})
	}
	return out
}
