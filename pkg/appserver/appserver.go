// Package appserver puts one version of an app together: the static assets,
// the worker in its runtime pool, and the bindings the worker sees, behind
// the edge's routing. `valet dev` and a deployed host both build their
// handler here, so what works locally works there.
package appserver

import (
	"errors"
	"fmt"
	"time"

	"github.com/valet-dev/valet/pkg/assets"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/containers"
	"github.com/valet-dev/valet/pkg/durable"
	"github.com/valet-dev/valet/pkg/edge"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/runtime"
)

// Version is what one version of the app consists of.
type Version struct {
	Config *config.Config // resolved for the environment
	// Dir resolves relative paths of Config (the project dir in dev).
	Dir string

	Script    []byte // bundled worker (nil: no worker)
	SourceMap []byte
	Filename  string // the script's path, for stack traces

	AssetsDir string            // "" when the app has no assets
	Secrets   map[string]string // .dev.vars in dev, `valet secret` on a host
}

// Options are how the version is served.
type Options struct {
	Dev      bool
	Events   *events.Emitter
	Isolates int // 0: one per CPU
	// Bindings adds env bindings (Durable Object namespaces); they win over
	// vars and secrets of the same name.
	Bindings map[string]runtime.Binding
	// Setup runs on each isolate before the worker is evaluated.
	Setup func(iso *runtime.Isolate) error

	// Durable Objects (durable_objects.bindings): their storage lives under
	// PersistTo/do ("" keeps it in memory); AppName (default: the config's
	// name) keys their ids. Containers, when set, backs the classes of
	// containers[] (see StartContainers); it outlives the version, so that a
	// rebuild keeps the running containers.
	PersistTo   string
	AppName     string
	Containers  *containers.Manager
	DurableIdle time.Duration // evict idle objects after; 0: 70s
}

// App is a version ready to serve.
type App struct {
	Edge    edge.Options
	Pool    *runtime.Pool
	Assets  *assets.Server
	Durable *durable.Registry // nil without Durable Object bindings
}

// New loads the assets and starts the worker's isolates.
func New(v Version, opts Options) (*App, error) {
	c := v.Config
	app := &App{}
	if v.AssetsDir != "" {
		aopts := assets.OptionsFromConfig(c.Assets, v.Dir, c.CompatibilityDate, c.CompatibilityFlags)
		aopts.Dir = v.AssetsDir
		aopts.Warn = opts.Events.Warn
		a, err := assets.New(aopts)
		if err != nil {
			return nil, fmt.Errorf("load assets %s: %w", v.AssetsDir, err)
		}
		app.Assets = a
	}
	if v.Script != nil {
		reg, err := newDurable(c, opts)
		if err != nil {
			return nil, err
		}
		extra := opts.Bindings
		if reg != nil {
			extra = reg.Bindings()
			for k, b := range opts.Bindings {
				extra[k] = b
			}
		}
		env, err := envBindings(v, app.Assets, extra)
		if err != nil {
			closeRegistry(reg)
			return nil, err
		}
		pool, err := runtime.New(runtime.Options{
			Script: v.Script, SourceMap: v.SourceMap, Filename: v.Filename,
			Env: env, Isolates: opts.Isolates, Dev: opts.Dev, Logs: opts.Events, Setup: opts.Setup,
			NodeCompat: nodeCompat(c.CompatibilityFlags),
		})
		if err != nil {
			closeRegistry(reg)
			return nil, fmt.Errorf("start worker: %w", err)
		}
		app.Pool = pool
		if reg != nil {
			// A bound class the worker does not export was refused before,
			// from the bundle's exports (build.CheckExports).
			reg.Attach(pool)
			app.Durable = reg
		}
	}
	app.Edge = edge.Options{Assets: app.Assets, Events: opts.Events, Dev: opts.Dev}
	if c.Assets != nil {
		app.Edge.RunWorkerFirst = c.Assets.RunWorkerFirst
	}
	if app.Pool != nil {
		app.Edge.Worker = app.Pool
	}
	return app, nil
}

// envBindings builds the worker's env: vars, then secrets, then the assets
// binding and the extra bindings, later ones winning as in wrangler.
func envBindings(v Version, a *assets.Server, extra map[string]runtime.Binding) (map[string]runtime.Binding, error) {
	env := map[string]runtime.Binding{}
	for k, val := range v.Config.Vars {
		env[k] = runtime.Var(val)
	}
	for k, val := range v.Secrets {
		env[k] = runtime.Secret(val)
	}
	if c := v.Config.Assets; c != nil && c.Binding != "" {
		if a == nil {
			return nil, errors.New("assets.binding " + c.Binding + " is set but there is no assets directory; set assets.directory")
		}
		env[c.Binding] = runtime.FetcherBinding(a)
	}
	for k, b := range extra {
		env[k] = b
	}
	return env, nil
}

// Close stops alarms, then the worker's isolates after their waitUntil
// work, then closes the objects' storage. Containers are the owner's of
// Options.Containers to close.
func (a *App) Close() error {
	var errs []error
	if a.Pool != nil {
		errs = append(errs, a.Pool.Close())
	}
	if a.Durable != nil {
		errs = append(errs, a.Durable.Close())
	}
	return errors.Join(errs...)
}

// nodeCompat reports whether the worker asked for Node.js globals.
func nodeCompat(flags []string) bool {
	for _, f := range flags {
		if f == "nodejs_compat" || f == "nodejs_compat_v2" {
			return true
		}
	}
	return false
}
