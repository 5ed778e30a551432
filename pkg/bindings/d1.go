package bindings

import (
	_ "embed"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// d1Databases are `d1_databases`: each a database of workerd's bundled D1
// (`/workerd/d1.js`) behind the `cloudflare-internal:d1-api` wrapper, a
// database being the SQLite of the Durable Object named by its id; a front
// worker per database between the two refuses the SQL wrangler dev refuses
// (js/d1.js). The data lives under PersistTo/d1, where `valet d1 execute`
// finds it too.
var d1Databases = &Kind{
	Name:  "d1 database",
	Order: 14,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, db := range c.D1Databases {
			out = append(out, Binding{Name: db.Binding, ID: D1ID(db)})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		dir, err := ctx.storageDir("d1")
		if err != nil {
			return workerd.Binding{}, err
		}
		ctx.Services.Add(bundledService(d1Service, "/workerd/d1.js", d1Class, d1Service+"-storage",
			workerd.NewStruct().Text("name", "DATABASE").Set("durableObjectNamespace", workerd.NewStruct().Text("className", d1Class).String()).String(),
		))
		ctx.Services.Add(diskService(d1Service+"-storage", dir))
		front := d1Service + "-db-" + b.ID
		ctx.Services.Add(frontWorker(front, "d1.js", d1Front,
			workerd.NewStruct().Text("name", "DB").Set("service", propsDesignator(d1Service, "database", b.ID)).String()))
		fetcher := workerd.NewStruct().Text("name", "fetcher").Set("service", workerd.NewStruct().Text("name", front).String())
		wrapped := workerd.NewStruct().Text("moduleName", "cloudflare-internal:d1-api").Set("innerBindings", workerd.List(fetcher.String()))
		return workerd.Binding{Name: b.Name, Member: "wrapped", Value: wrapped.String()}, nil
	},
	Type:  func(Binding, TypeContext) (string, error) { return "D1Database", nil },
	State: d1State,
}

// d1Front is the worker between a D1 binding and the bundled module.
//
//go:embed js/d1.js
var d1Front string

// D1ID is the key a database is stored under locally, as wrangler dev keys
// it: preview_database_id, else database_id, else the binding's name.
func D1ID(db config.D1Database) string {
	switch {
	case db.PreviewDatabaseID != "":
		return db.PreviewDatabaseID
	case db.DatabaseID != "":
		return db.DatabaseID
	}
	return db.Binding
}
