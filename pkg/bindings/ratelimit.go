package bindings

import (
	_ "embed"
	"strconv"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// rateLimits are `ratelimits`: each a wrapped binding counting requests per
// key in the worker's runtime (js/ratelimit.js). The counts start over with
// each version, as they do with each start of wrangler dev.
var rateLimits = &Kind{
	Name:  "rate limit",
	Order: 22,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, r := range c.RateLimits {
			out = append(out, Binding{Name: r.Name, Value: r})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		r := b.Value.(config.RateLimit)
		return wrapped(b.Name, ctx, rateLimitModule,
			jsonInner("namespaceId", strconv.Quote(r.NamespaceID)),
			jsonInner("limit", strconv.FormatFloat(r.Simple.Limit, 'g', -1, 64)),
			jsonInner("period", strconv.Itoa(r.Simple.Period)),
		), nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "RateLimit", nil },
}

//go:embed js/ratelimit.js
var rateLimitSource string

var rateLimitModule = workerd.ExtensionModule{Name: "valet-internal:ratelimit", Source: rateLimitSource, Internal: true}
