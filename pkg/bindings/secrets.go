package bindings

import (
	"sort"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// secrets come from .dev.vars/.env in dev and `valet secret` on a host:
// text, typed string, listed by name only.
var secrets = &Kind{
	Name:  "secret",
	Value: true,
	Order: 40,
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
	Type: func(Binding, TypeContext) (string, error) { return "string", nil },
}
