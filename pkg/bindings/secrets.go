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
	// The value goes to workerd through its environment (SecretEnv), never
	// in its config file: on a host that file is on the state volume.
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		return workerd.EnvBinding(b.Name, SecretEnv(ctx.Worker, b.Name)), nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "string", nil },
}

// SecretEnv is the variable of workerd's environment holding the secret
// name of worker (workerd.Config.Env).
func SecretEnv(worker, name string) string { return "VALET_SECRET_" + worker + "__" + name }
