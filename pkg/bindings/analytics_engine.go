package bindings

import (
	_ "embed"
	"encoding/json"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// analyticsEngine is `analytics_engine_datasets`: writeDataPoint returns at
// once, as on Cloudflare, and valet writes the point to
// PersistTo/analytics-engine/<dataset>/, one JSON file per point (wrangler
// dev drops them).
var analyticsEngine = &Kind{
	Name:  "analytics engine",
	Order: 26,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, a := range c.AnalyticsEngineDatasets {
			ds := a.Dataset
			if ds == "" {
				// wrangler dev's default.
				ds = "dataset"
			}
			out = append(out, Binding{Name: a.Binding, Value: ds})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		dir, err := localDir(ctx, AnalyticsEngineDir, "analytics_engine_datasets")
		if err != nil {
			return workerd.Binding{}, err
		}
		ctx.Services.Add(diskDir(analyticsEngineService, dir, true))
		ds, _ := json.Marshal(b.Value.(string))
		return wrapped(b.Name, ctx, analyticsEngineModule,
			jsonInner("dataset", string(ds)),
			serviceInner("store", analyticsEngineService),
		), nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "AnalyticsEngineDataset", nil },
}

// AnalyticsEngineDir is where, under PersistTo, the data points go.
const AnalyticsEngineDir = "analytics-engine"

const analyticsEngineService = "valet-analytics-engine"

//go:embed js/analytics.js
var analyticsEngineSource string

var analyticsEngineModule = workerd.ExtensionModule{Name: "valet-internal:analytics-engine", Source: analyticsEngineSource, Internal: true}
