package bindings

import (
	_ "embed"
	"encoding/json"
	"path/filepath"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// kvNamespaces are `kv_namespaces`: each a namespace of workerd's bundled
// KV (`/workerd/kv.js`), one service for all of them, a namespace being
// the Durable Object named by its id; values over the inline size go to
// blobs on disk. The data lives under PersistTo/kv.
var kvNamespaces = &Kind{
	Name:  "kv namespace",
	Order: 12,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, ns := range c.KVNamespaces {
			id := ns.ID
			if id == "" {
				// As wrangler dev: a namespace without an id is keyed by
				// its binding's name.
				id = ns.Binding
			}
			out = append(out, Binding{Name: ns.Binding, ID: id})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		dir, err := ctx.storageDir("kv", "blobs")
		if err != nil {
			return workerd.Binding{}, err
		}
		dir = filepath.Dir(dir)
		ctx.Services.Add(bundledService(kvService, "/workerd/kv.js", kvClass, kvService+"-storage",
			workerd.NewStruct().Text("name", "SHARD").Set("durableObjectNamespace", workerd.NewStruct().Text("className", kvClass).String()).String(),
			workerd.NewStruct().Text("name", "BLOBS").Text("service", kvService+"-blobs").String(),
		))
		ctx.Services.Add(diskService(kvService+"-storage", dir))
		ctx.Services.Add(diskService(kvService+"-blobs", filepath.Join(dir, "blobs")))
		front := kvService + "-ns-" + b.ID
		ctx.Services.Add(frontWorker(front, "kv.js", kvFront,
			workerd.NewStruct().Text("name", "KV").Set("service", propsDesignator(kvService, "namespace", b.ID)).String()))
		return workerd.Binding{Name: b.Name, Member: "kvNamespace", Value: workerd.NewStruct().Text("name", front).String()}, nil
	},
	Type:  func(Binding, TypeContext) (string, error) { return "KVNamespace", nil },
	State: kvState,
}

// kvFront is the worker between a KV binding and the bundled module.
//
//go:embed js/kv.js
var kvFront string

// The service names and Durable Object classes of the bundled modules. The
// class's uniqueKey is its name, as workerd's own wrangler.jsonc support
// writes it, so that data stays where it is across versions.
const (
	kvService = "valet-kv"
	kvClass   = "KVNamespace"
	d1Service = "valet-d1"
	d1Class   = "D1Database"
)

// bundledService is a worker running one of workerd's bundled modules, its
// Durable Object class stored on the disk service named storage.
func bundledService(name, module, class, storage string, bindings ...string) workerd.Service {
	return bundledWorker(name, module, class, storage, nil, bindings...)
}

// bundledWorker is bundledService with compatibility flags. Without a class
// of its own (workflows: the instances are the app worker's namespaces) it
// still stores on storage, where workerd keeps the objects it runs for it.
func bundledWorker(name, module, class, storage string, flags []string, bindings ...string) workerd.Service {
	w := workerd.NewStruct().
		Set("modules", workerd.List(workerd.NewStruct().Text("name", filepath.Base(module)).Text("bundled", module).String())).
		// The bundled modules need RPC (2024-04-03 or later).
		Text("compatibilityDate", "2026-01-01")
	if len(flags) > 0 {
		w.Set("compatibilityFlags", workerd.Texts(flags))
	}
	w.Set("bindings", workerd.List(bindings...))
	if class != "" {
		w.Set("durableObjectNamespaces", workerd.List(workerd.NewStruct().Text("className", class).Text("uniqueKey", class).Bool("enableSql", true).String()))
	}
	w.Set("durableObjectStorage", workerd.NewStruct().Text("localDisk", storage).String())
	return workerd.Service{Name: name, Value: "worker = " + w.String()}
}

// frontWorker is a worker of one module, source, standing between a
// binding and a bundled module to answer as wrangler dev does.
func frontWorker(name, module, source string, bindings ...string) workerd.Service {
	return workerd.Service{Name: name, Value: "worker = " + workerd.NewStruct().
		Set("modules", workerd.List(workerd.NewStruct().Text("name", module).Text("esModule", source).String())).
		// RPC, for the fronts that are entrypoints (2024-04-03 or later).
		Text("compatibilityDate", "2026-01-01").
		Set("bindings", workerd.List(bindings...)).String()}
}

// diskService is a writable directory.
func diskService(name, dir string) workerd.Service {
	return workerd.Service{Name: name, Value: "disk = " + workerd.NewStruct().Text("path", dir).Bool("writable", true).String()}
}

// propsDesignator designates service with props {key: value}.
func propsDesignator(service, key, value string) string {
	j, _ := json.Marshal(map[string]string{key: value})
	return workerd.NewStruct().Text("name", service).Set("props", workerd.NewStruct().Text("json", string(j)).String()).String()
}
