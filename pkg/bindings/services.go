package bindings

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// services are `services`: a binding to another worker's default export
// or named entrypoint, for fetch and RPC. The worker must run in the same
// process (valet dev -c a -c b); one that does not answers as wrangler
// dev's does when the worker is not running.
var services = &Kind{
	Name:  "service",
	Order: 19,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, s := range c.Services {
			b := Binding{Name: s.Binding, ID: s.Service, Entrypoint: s.Entrypoint, Class: s.Service}
			if s.Entrypoint != "" {
				b.Class += "#" + s.Entrypoint
			}
			if len(s.Props) > 0 {
				b.Value = s.Props
			}
			out = append(out, b)
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		target := missingService(b.ID)
		if w := workerNamed(ctx.Workers, b.ID); w != nil {
			target = w.Service
		}
		d := workerd.NewStruct().Text("name", target)
		if b.Entrypoint != "" {
			d.Text("entrypoint", b.Entrypoint)
		}
		if b.Value != nil {
			j, err := json.Marshal(b.Value)
			if err != nil {
				return workerd.Binding{}, fmt.Errorf("props: %w", err)
			}
			d.Set("props", workerd.NewStruct().Text("json", string(j)).String())
		}
		return workerd.Binding{Name: b.Name, Member: "service", Value: d.String()}, nil
	},
	// As wrangler types: a worker typed with this one (itself, or another
	// config of valet types -c a -c b) by its export; another by a comment.
	Type: func(b Binding, ctx TypeContext) (string, error) {
		main := ctx.Workers[b.ID]
		if b.ID == ctx.WorkerName {
			main = ctx.MainImport
		}
		export := "default"
		if b.Entrypoint != "" {
			export = b.Entrypoint
		}
		switch {
		case main != "" && IsIdentifier(export):
			return fmt.Sprintf("Service<typeof import(%q).%s>", main, export), nil
		case b.Entrypoint != "":
			return fmt.Sprintf("Service /* entrypoint %s from %s */", b.Entrypoint, b.ID), nil
		}
		return fmt.Sprintf("Fetcher /* %s */", b.ID), nil
	},
	Process: missingWorkersProcess,
}

func workerNamed(ws []Worker, name string) *Worker {
	for i := range ws {
		if ws[i].Config.Name == name {
			return &ws[i]
		}
	}
	return nil
}

func missingService(name string) string { return "valet-missing-" + name }

// missingWorker stands in for a worker that is not running.
//
//go:embed js/missing-worker.js
var missingWorker string

// missingWorkersProcess adds a stand-in for each worker that service
// bindings name and the process does not run, exporting each entrypoint
// they bind (workerd refuses a binding to an entrypoint not exported).
func missingWorkersProcess(ctx Context) error {
	entrypoints := map[string]map[string]bool{}
	for _, w := range ctx.Workers {
		for _, s := range w.Config.Services {
			if workerNamed(ctx.Workers, s.Service) != nil {
				continue
			}
			if entrypoints[s.Service] == nil {
				entrypoints[s.Service] = map[string]bool{}
			}
			if s.Entrypoint != "" {
				entrypoints[s.Service][s.Entrypoint] = true
			}
		}
	}
	names := make([]string, 0, len(entrypoints))
	for n := range entrypoints {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		msg, _ := json.Marshal(`Worker "` + name + `" not found. Make sure it is running locally.`)
		src := strings.Replace(missingWorker, "__MESSAGE__", string(msg), 1)
		var eps []string
		for ep := range entrypoints[name] {
			eps = append(eps, ep)
		}
		sort.Strings(eps)
		for _, ep := range eps {
			q, _ := json.Marshal(ep)
			src += fmt.Sprintf("export { Missing as %s };\n", q)
		}
		ctx.Services.Add(workerd.Service{Name: missingService(name), Value: "worker = " + workerd.NewStruct().
			Set("modules", workerd.List(workerd.NewStruct().Text("name", "missing.js").Text("esModule", src).String())).
			Text("compatibilityDate", "2026-01-01").String()})
	}
	return nil
}
