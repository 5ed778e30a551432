package bindings

import "github.com/valet-dev/valet/pkg/config"

// TextNames returns the names of c's bindings whose values are strings or
// JSON (vars and secrets): wrangler types lists them, and only them, in
// process.env's type.
func TextNames(c *config.Config, secretNames []string) []string {
	var out []string
	for _, b := range Effective(c, secretNames) {
		if b.Kind == vars || b.Kind == secrets {
			out = append(out, b.Name)
		}
	}
	return out
}
