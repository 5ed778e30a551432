package bindings

import (
	"fmt"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// durableObjects are `durable_objects.bindings`: namespaces of a class the
// worker exports (the dashboard shows the class's container too).
var durableObjects = &Kind{
	Name:  "durable object",
	Order: 10,
	List: func(c *config.Config, _ []string) []Binding {
		if c.DurableObjects == nil {
			return nil
		}
		images := map[string]string{}
		for _, ct := range c.Containers {
			images[ct.ClassName] = ct.Image
		}
		var out []Binding
		for _, b := range c.DurableObjects.Bindings {
			out = append(out, Binding{Name: b.Name, Class: b.ClassName, ScriptName: b.ScriptName, Container: images[b.ClassName]})
		}
		return out
	},
	Workerd: func(b Binding, _ Context) (workerd.Binding, error) {
		return workerd.Binding{Name: b.Name, Member: "durableObjectNamespace", Value: workerd.NewStruct().Text("className", b.Class).String()}, nil
	},
	// Typed by the class the worker exports, so stubs carry its RPC
	// methods. A class of another worker (script_name) cannot be imported;
	// wrangler leaves it untyped the same way.
	Type: func(b Binding, ctx TypeContext) (string, error) {
		if b.ScriptName != "" && b.ScriptName != ctx.WorkerName {
			return fmt.Sprintf("DurableObjectNamespace /* %s from %s */", b.Class, b.ScriptName), nil
		}
		if ctx.MainImport == "" || !IsIdentifier(b.Class) {
			return fmt.Sprintf("DurableObjectNamespace /* %s */", b.Class), nil
		}
		return fmt.Sprintf("DurableObjectNamespace<import(%q).%s>", ctx.MainImport, b.Class), nil
	},
}
