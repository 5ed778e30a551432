package appserver

import (
	"fmt"
	"slices"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/containers"
	"github.com/valet-dev/valet/pkg/durable"
)

// newDurable builds the Durable Object registry of the config's bindings
// (nil when there are none).
func newDurable(c *config.Config, opts Options) (*durable.Registry, error) {
	var bindings []durable.Binding
	if c.DurableObjects != nil {
		for _, b := range c.DurableObjects.Bindings {
			if b.ScriptName != "" {
				opts.Events.Warn(fmt.Sprintf("durable_objects binding %s: script_name %q (a class of another worker) is not supported; the class is looked up in this worker", b.Name, b.ScriptName))
			}
			bindings = append(bindings, durable.Binding{Name: b.Name, Class: b.ClassName})
		}
	}
	var classes []string
	for _, ct := range c.Containers {
		classes = append(classes, ct.ClassName)
	}
	// Classes declared in wrangler's "exports" map are served too, reached
	// through ctx.exports even without a binding.
	for _, name := range c.ExportedClasses() {
		if !slices.Contains(classes, name) {
			classes = append(classes, name)
		}
	}
	if len(bindings) == 0 && len(classes) == 0 {
		return nil, nil
	}
	name := opts.AppName
	if name == "" {
		name = c.Name
	}
	dopts := durable.Options{
		App: name, PersistTo: opts.PersistTo, Bindings: bindings, Classes: classes,
		Events: opts.Events, IdleTimeout: opts.DurableIdle,
	}
	if opts.Containers != nil {
		dopts.Containers = opts.Containers
	}
	reg, err := durable.New(dopts)
	if err != nil {
		return nil, fmt.Errorf("durable objects: %w", err)
	}
	return reg, nil
}

func closeRegistry(r *durable.Registry) {
	if r != nil {
		_ = r.Close()
	}
}

var _ durable.Containers = (*containers.Manager)(nil)
