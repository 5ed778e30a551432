package bindings

import (
	_ "embed"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// ai and browser are `ai` and `browser`, which have no local
// implementation: the binding is there, so the app loads and runs, and
// each call through it fails with an error that names the binding and says
// why (js/unavailable.js). The config's warning says so at load.
var (
	ai = &Kind{
		Name:    "ai",
		Order:   28,
		List:    unavailableList(func(c *config.Config) string { return c.AI.Name() }),
		Workerd: unavailableWorkerd("Workers AI"),
		Type:    func(Binding, TypeContext) (string, error) { return "Ai", nil },
	}
	browser = &Kind{
		Name:    "browser",
		Order:   29,
		List:    unavailableList(func(c *config.Config) string { return c.Browser.Name() }),
		Workerd: unavailableWorkerd("Browser Rendering"),
		Type:    func(Binding, TypeContext) (string, error) { return "Fetcher", nil },
	}
)

func unavailableList(name func(*config.Config) string) func(*config.Config, []string) []Binding {
	return func(c *config.Config, _ []string) []Binding {
		if n := name(c); n != "" {
			return []Binding{{Name: n}}
		}
		return nil
	}
}

func unavailableWorkerd(product string) func(Binding, Context) (workerd.Binding, error) {
	return func(b Binding, ctx Context) (workerd.Binding, error) {
		return wrapped(b.Name, ctx, unavailableModule,
			jsonInner("binding", quoteJSON(b.Name)),
			jsonInner("product", quoteJSON(product)),
			jsonInner("hint", quoteJSON("it runs on Cloudflare (wrangler dev with a remote binding, or a deployed worker)")),
		), nil
	}
}

//go:embed js/unavailable.js
var unavailableSource string

var unavailableModule = workerd.ExtensionModule{Name: "valet-internal:unavailable", Source: unavailableSource, Internal: true}
