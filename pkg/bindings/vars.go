package bindings

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// vars are config `vars`: a string var is text, anything else JSON, as
// wrangler gives them.
var vars = &Kind{
	Name:  "var",
	Value: true,
	Order: 30,
	List: func(c *config.Config, _ []string) []Binding {
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
		if s, ok := b.Value.(string); ok {
			return workerd.TextBinding(b.Name, s), nil
		}
		j, err := json.Marshal(b.Value)
		if err != nil {
			return workerd.Binding{}, err
		}
		return workerd.Binding{Name: b.Name, Member: "json", Value: workerd.Quote(string(j))}, nil
	},
	Type: func(b Binding, _ TypeContext) (string, error) {
		t, err := LiteralType(b.Value)
		if err != nil {
			return "", fmt.Errorf("vars.%s: %w", b.Name, err)
		}
		return t, nil
	},
}
