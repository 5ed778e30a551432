package appserver

import (
	"fmt"
	"path"
	"path/filepath"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/workerd"
)

// processWorker is one worker of a version's workerd process: the app's,
// served on the http socket, or one of Version.Others beside it, reached
// through service bindings. Each keeps its own bundle, config, secrets and
// Durable Objects.
type processWorker struct {
	v       Version
	service string // its service in workerd
	app     string // names its Durable Object namespaces
	primary bool
	classes []facadeClass

	mods     []workerd.Module
	bindings []workerd.Binding
	// workerd is the runtime's binary, which knows the newest compatibility
	// date it supports.
	workerd string
}

// planWorkers names the version's workers: each by its config's name, the
// app's by appName's namespaces. Two workers of one name cannot both run.
func planWorkers(v Version, appName string) ([]*processWorker, error) {
	ws := []*processWorker{{v: v, service: serviceName(v.Config), app: appName, primary: true}}
	seen := map[string]bool{ws[0].service: true}
	for _, o := range v.Others {
		if o.Config == nil {
			return nil, fmt.Errorf("a worker beside %q has no config", ws[0].service)
		}
		if o.Script == nil {
			return nil, fmt.Errorf("worker %q has no main module to run", o.Config.Name)
		}
		if a := o.Config.Assets; a != nil && a.Binding != "" {
			return nil, fmt.Errorf("worker %q: assets.binding: only the first config's assets are served (valet dev -c); bind them from that worker", o.Config.Name)
		}
		w := &processWorker{v: o, service: serviceName(o.Config), app: o.Config.Name}
		if seen[w.service] {
			return nil, fmt.Errorf("two workers are named %q: give each config its own name", w.service)
		}
		seen[w.service] = true
		ws = append(ws, w)
	}
	for _, w := range ws {
		w.classes = facadeClasses(w.v.Config, w.v.Exports)
		if !w.primary {
			for i := range w.classes {
				// Another worker may export a class of the same name; its
				// containers are the first config's alone.
				w.classes[i].Key = w.service + "/" + w.classes[i].Name
				w.classes[i].Container = false
			}
		}
	}
	return ws, nil
}

// write writes the worker's modules. The app's go in dir; another worker's
// in a directory of its own, its module names under "<service>/", so that
// a stack names which worker's bundle a position is in.
func (w *processWorker) write(dir string, eo workerd.EntryOptions) error {
	v := w.v
	if !w.primary {
		dir = filepath.Join(dir, "workers", w.service)
		main := v.Main
		if main == "" {
			main = appModule
		}
		v.Main = w.service + "/" + main
		v.Modules = make([]bundle.Module, len(w.v.Modules))
		for i, m := range w.v.Modules {
			m.Name = w.service + "/" + m.Name
			v.Modules[i] = m
		}
	}
	mods, err := writeModules(dir, v, eo, w.classes)
	if err != nil {
		return err
	}
	w.mods = mods
	return nil
}

// main is the worker's main module's name in workerd.
func (w *processWorker) main() string {
	// writeModules puts the entry modules first, then the app's main.
	for _, m := range w.mods {
		if m.Name != workerd.EntryModule && m.Name != workerd.RTModule && m.Name != workerd.DevModule {
			return m.Name
		}
	}
	return appModule
}

func (w *processWorker) compatibilityDate() string {
	if d := w.v.Config.CompatibilityDate; d != "" {
		return d
	}
	// As wrangler dev without a date: the newest the runtime supports
	// (today's date is refused by a workerd built before it).
	return workerd.CompatibilityDate(w.workerd)
}

// objects are the worker's Durable Object namespaces.
func (w *processWorker) objects() []workerd.DurableObjectClass {
	var out []workerd.DurableObjectClass
	for _, cl := range w.classes {
		out = append(out, workerd.DurableObjectClass{
			Class: cl.Name, UniqueKey: uniqueKey(w.app, cl.Storage), SQL: true, Key: cl.Key,
		})
	}
	return out
}

// bindWorkers makes each worker's bindings, then what the kinds need once
// for the whole process (queues, cron triggers, workflows).
func bindWorkers(ws []*processWorker, ctx bindings.Context) error {
	for _, w := range ws {
		ctx.Secrets, ctx.Worker = w.v.Secrets, w.service
		bs, err := bindings.Workerd(w.v.Config, ctx)
		if err != nil {
			if !w.primary {
				return fmt.Errorf("worker %q: %w", w.service, err)
			}
			return err
		}
		w.bindings = bs
	}
	return bindings.Process(ctx)
}

// stackMappers map each worker's positions to its sources: the others'
// first, whose module names are longer ("b/worker.js").
func stackMappers(ws []*processWorker) []*workerd.StackMapper {
	var out []*workerd.StackMapper
	for i := len(ws) - 1; i >= 0; i-- {
		out = append(out, workerd.NewStackMapper(path.Clean(ws[i].main()), ws[i].v.SourceMap))
	}
	return out
}
