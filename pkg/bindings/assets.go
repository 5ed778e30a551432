package bindings

import (
	"errors"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// assets is `assets.binding`: a Fetcher answered by valet's asset server.
var assets = &Kind{
	Name:  "assets",
	Order: 20,
	List: func(c *config.Config, _ []string) []Binding {
		if c.Assets == nil || c.Assets.Binding == "" {
			return nil
		}
		return []Binding{{Name: c.Assets.Binding}}
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		if ctx.AssetsService == "" {
			return workerd.Binding{}, errors.New("assets.binding is set but there is no assets directory; set assets.directory")
		}
		return workerd.Binding{Name: b.Name, Member: "service", Value: workerd.NewStruct().Text("name", ctx.AssetsService).String()}, nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "Fetcher", nil },
}
