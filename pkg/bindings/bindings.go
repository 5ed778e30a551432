// Package bindings is the one registry of binding kinds: for each kind of
// entry in the worker's env (a var, a Durable Object namespace, a KV
// namespace, ...) it says which config keys declare it, how workerd is
// configured for it, its TypeScript type in `valet types`, and its row in
// the dev dashboard. Adding a kind adds one entry to Kinds, and nothing
// else lists kinds.
package bindings

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// Binding is one entry of the worker's env.
type Binding struct {
	Name string
	Kind *Kind
	// What the kind needs to configure it; which fields are set depends on
	// the kind.
	Value     any    // a var's value
	Class     string // a Durable Object class
	Container string // the class's container image (a Dockerfile path or a reference)
}

// Context is what a kind may need to configure workerd.
type Context struct {
	// Secrets are the secret values (never shown, never typed beyond string).
	Secrets map[string]string
	// AssetsService names the service answering the assets binding.
	AssetsService string
}

// Kind is one kind of binding.
type Kind struct {
	// Name is the kind as the dashboard shows it ("var", "durable object").
	Name string
	// List returns the kind's bindings declared by c (secrets: the names of
	// the secrets in .dev.vars or on the host); the registry sets their Kind.
	List func(c *config.Config, secrets []string) []Binding
	// Workerd returns the binding in workerd's config.
	Workerd func(b Binding, ctx Context) (workerd.Binding, error)
}

// Kinds are every kind valet supports, in the order the dashboard lists
// them.
var Kinds = []*Kind{durableObjects, assets, vars, secrets}

// List returns every binding of c, kind by kind.
func List(c *config.Config, secretNames []string) []Binding {
	var out []Binding
	for _, k := range Kinds {
		for _, b := range k.List(c, secretNames) {
			b.Kind = k
			out = append(out, b)
		}
	}
	return out
}

// Workerd returns the workerd bindings of c. Later kinds win a name clash,
// as wrangler's precedence has it (vars, then secrets, then resources).
func Workerd(c *config.Config, ctx Context) ([]workerd.Binding, error) {
	names := make([]string, 0, len(ctx.Secrets))
	for k := range ctx.Secrets {
		names = append(names, k)
	}
	byName := map[string]workerd.Binding{}
	var order []string
	for _, b := range List(c, names) {
		wb, err := b.Kind.Workerd(b, ctx)
		if err != nil {
			return nil, fmt.Errorf("binding %s: %w", b.Name, err)
		}
		if _, seen := byName[b.Name]; !seen {
			order = append(order, b.Name)
		}
		byName[b.Name] = wb
	}
	sort.Strings(order)
	out := make([]workerd.Binding, 0, len(order))
	for _, n := range order {
		out = append(out, byName[n])
	}
	return out, nil
}

var durableObjects = &Kind{
	Name: "durable object",
	List: func(c *config.Config, _ []string) []Binding {
		if c == nil || c.DurableObjects == nil {
			return nil
		}
		images := map[string]string{}
		for _, ct := range c.Containers {
			images[ct.ClassName] = ct.Image
		}
		var out []Binding
		for _, b := range c.DurableObjects.Bindings {
			out = append(out, Binding{Name: b.Name, Class: b.ClassName, Container: images[b.ClassName]})
		}
		return out
	},
	Workerd: func(b Binding, _ Context) (workerd.Binding, error) {
		return workerd.Binding{Name: b.Name, Member: "durableObjectNamespace", Value: workerd.NewStruct().Text("className", b.Class).String()}, nil
	},
}

var assets = &Kind{
	Name: "assets",
	List: func(c *config.Config, _ []string) []Binding {
		if c == nil || c.Assets == nil || c.Assets.Binding == "" {
			return nil
		}
		return []Binding{{Name: c.Assets.Binding}}
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		if ctx.AssetsService == "" {
			return workerd.Binding{}, fmt.Errorf("assets.binding is set but there is no assets directory; set assets.directory")
		}
		return workerd.Binding{Name: b.Name, Member: "service", Value: workerd.NewStruct().Text("name", ctx.AssetsService).String()}, nil
	},
}

var vars = &Kind{
	Name: "var",
	List: func(c *config.Config, _ []string) []Binding {
		if c == nil {
			return nil
		}
		keys := make([]string, 0, len(c.Vars))
		for k := range c.Vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]Binding, len(keys))
		for i, k := range keys {
			out[i] = Binding{Name: k, Value: c.Vars[k]}
		}
		return out
	},
	Workerd: func(b Binding, _ Context) (workerd.Binding, error) {
		// A string var is text; anything else is JSON, as wrangler gives it.
		if s, ok := b.Value.(string); ok {
			return workerd.TextBinding(b.Name, s), nil
		}
		j, err := json.Marshal(b.Value)
		if err != nil {
			return workerd.Binding{}, err
		}
		return workerd.Binding{Name: b.Name, Member: "json", Value: workerd.Quote(string(j))}, nil
	},
}

var secrets = &Kind{
	Name: "secret",
	List: func(_ *config.Config, names []string) []Binding {
		s := append([]string(nil), names...)
		sort.Strings(s)
		out := make([]Binding, len(s))
		for i, n := range s {
			out[i] = Binding{Name: n}
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		return workerd.TextBinding(b.Name, ctx.Secrets[b.Name]), nil
	},
}
