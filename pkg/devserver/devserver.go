// Package devserver is `valet dev`: it builds the app for development, serves
// it on the edge, and (watch.go) rebuilds and reloads when files change.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/cacheapi"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devvars"
	"github.com/valet-dev/valet/pkg/edge"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/pipeline"
	"github.com/valet-dev/valet/pkg/workerd"
)

// AnyPort as Options.Port listens on a free port (valet dev --port 0).
const AnyPort = -1

// Options configure a dev session.
type Options struct {
	Project   *config.Project
	IP        string // default 127.0.0.1 (or dev.ip)
	Port      int    // 0: 8787 (or dev.port); AnyPort: a free port
	PersistTo string // default <project>/.valet/state
	Events    *events.Emitter
	Environ   []string // nil: os.Environ()
	Isolates  int
	// Listener, when set, is used instead of listening on IP:Port (tests).
	Listener net.Listener
	// Rebuild asks for a full rebuild (the dashboard's r key).
	Rebuild <-chan struct{}
	// TestScheduled has the worker answer /__scheduled by running its
	// scheduled handler (wrangler dev --test-scheduled);
	// /cdn-cgi/handler/scheduled does so with or without it, as in wrangler.
	TestScheduled bool
	// Vars override the config's vars (wrangler dev --var KEY:VALUE).
	Vars map[string]string
	// Workerd is the workerd executable; "" finds it (workerd.Locate).
	Workerd string
	// Others are more configs run in the session, as wrangler dev -c a -c
	// b: their workers run beside the app's (Project's, the one served on
	// the port), reached through service bindings, rebuilt when their
	// files change.
	Others []*config.Project
	// NoCrons leaves triggers.crons to /cdn-cgi/handler/scheduled (valet
	// dev --no-crons); by default they run on their schedule, as on a host.
	NoCrons bool
	// TestClock, when set, runs cron triggers, queues and workflows on a
	// clock the test moves; tests only.
	TestClock *appserver.TestClock
}

// Server is one dev session.
type Server struct {
	opts     Options
	p        *config.Project
	edge     *edge.Server
	app      *appserver.App
	frontend *bundle.FrontendContext
	worker   *bundle.WorkerContext
	live     *live // watch, rebuild and live reload (watch.go, rebuild.go, reload.go)
	// containers of containers[]: engine, images, instances (one per session)
	containers *appserver.ContainerSession
	warned     map[string]bool // warnings given once per session
	// objects says which version runs each Durable Object (one per session)
	objects *workerd.Objects
	// cache is the worker's Cache API store, kept across rebuilds
	cache *cacheapi.Store
	// others are the workers of Options.Others (workers.go)
	others []*otherWorker
}

// Run builds the app, serves it until ctx ends, and cleans up.
func Run(ctx context.Context, opts Options) error {
	s, err := newServer(opts)
	if err != nil {
		return err
	}
	defer s.close()
	var broken error
	if err := s.buildAll(ctx); err != nil {
		if !recoverable(err) || ctx.Err() != nil {
			return err
		}
		// Serve the error and wait for the fix (watch retries the whole build).
		broken, s.app = err, s.brokenApp()
		s.opts.Events.Warn("the first build failed: valet dev serves the error until a change fixes it")
	}
	s.announceOthers()
	s.opts.TestClock.Use(s.app)
	s.edge = edge.New(s.app.Edge)
	defer s.startWatch(ctx, broken)()
	ready := func(url string) {
		s.opts.Events.Emit(events.Event{Kind: events.Ready, URL: url, Message: "ready on " + url})
	}
	if s.opts.Listener != nil {
		ready(edge.URL(s.opts.Listener.Addr()))
		return edge.Serve(ctx, s.opts.Listener, s.handler())
	}
	return edge.ListenAndServe(ctx, net.JoinHostPort(s.opts.IP, strconv.Itoa(s.opts.Port)), s.handler(), ready)
}

func newServer(opts Options) (*Server, error) {
	p := opts.Project
	if p == nil {
		return nil, errors.New("dev: no project")
	}
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
		if d := p.Config.Dev; d != nil && d.IP != "" {
			opts.IP = d.IP
		}
	}
	if opts.Port == 0 {
		opts.Port = 8787
		if d := p.Config.Dev; d != nil && d.Port != 0 {
			opts.Port = d.Port
		}
	}
	if opts.Port == AnyPort {
		opts.Port = 0
	}
	if opts.PersistTo == "" {
		opts.PersistTo = DefaultPersistTo(p)
	}
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	if opts.Workerd == "" && p.Config.Main != "" {
		b, err := workerd.Find(p.Dir, opts.Events)
		if err != nil {
			return nil, err
		}
		opts.Workerd = b.Path
	}
	others, err := newOthers(p, opts.Others)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, p: p, live: newLive(), warned: map[string]bool{}, objects: workerd.NewObjects(), others: others, cache: cacheapi.New(cacheapi.Options{})}
	s.live.depsDir = filepath.Join(s.devDir(), "deps")
	return s, nil
}

// devDir holds what dev builds, away from the production build output.
func (s *Server) devDir() string { return filepath.Join(s.p.Dir, ".valet", "dev") }

// own are the paths valet writes while it runs (.valet/, the frontend's
// output, the --persist-to directory wherever it is): not watched, never
// build input.
func (s *Server) own() []string { return build.OwnPaths(s.p, s.opts.PersistTo) }

// buildAll runs the custom build, the bundles, and loads the app.
func (s *Server) buildAll(ctx context.Context) error {
	em := s.opts.Events
	b := &firstBuild{s: s, v: appserver.Version{Config: s.p.Config, Dir: s.p.Dir, AssetsDir: build.AssetsDir(s.p)}}
	if err := pipeline.Run(ctx, em, firstBuildSteps(len(s.others) > 0), b); err != nil {
		return err
	}
	v := b.v
	secrets, err := devvars.Load(s.p.Dir, s.p.Env)
	if err != nil {
		return err
	}
	if len(secrets.Files) > 0 {
		em.Info(fmt.Sprintf("secrets from %s: %s", strings.Join(secrets.Files, ", "), strings.Join(secrets.Keys(), ", ")))
	}
	v.Secrets = secrets.Values
	s.live.version = v
	if s.containers == nil {
		cs, err := appserver.StartContainers(ctx, s.p, appserver.ContainerOptions{Events: em, Own: s.own()})
		if err != nil {
			return err
		}
		s.containers = cs
	}
	return em.Step("start", func() error {
		app, err := s.newApp(ctx, v)
		if err != nil {
			return err
		}
		s.app = app
		return nil
	})
}

// firstBuild is what the steps of a whole build share: the server and the
// version they put together. A step that fails on the user's code returns
// a buildFailure: valet dev then serves the error and waits for a fix.
type firstBuild struct {
	s *Server
	v appserver.Version
}

// firstBuildSteps are pkg/build's steps as dev runs them: the same skips,
// for the same reasons; bundles made by rebuild contexts, unminified.
// The other workers' step is there only with other workers (-c given again).
func firstBuildSteps(others bool) []pipeline.Step[*firstBuild] {
	steps := []pipeline.Step[*firstBuild]{
		{Name: "custom build", Skip: func(b *firstBuild) string { return build.NoCustomBuild(b.s.p.Config) }, Run: buildCustom},
		{Name: "frontend", Skip: func(b *firstBuild) string { return build.NoFrontend(b.s.p.Config) }, Run: buildFrontend},
		{Name: "worker", Skip: func(b *firstBuild) string { return build.NoWorker(b.s.p.Config) }, Run: buildWorker},
	}
	if others {
		steps = append(steps, pipeline.Step[*firstBuild]{Name: "other workers", Run: buildOtherWorkers})
	}
	return steps
}

func buildCustom(ctx context.Context, b *firstBuild) error {
	s := b.s
	err := build.RunCommand(ctx, build.CommandOptions{Build: s.p.Config.Build, Dir: s.p.Dir, Environ: s.opts.Environ, Events: s.opts.Events})
	if err != nil {
		return &buildFailure{"custom build", err}
	}
	return nil
}

func buildFrontend(_ context.Context, b *firstBuild) error {
	s := b.s
	fo := build.FrontendOptions(&build.Inputs{Project: s.p, Env: envMap(s.opts.Environ)}, true)
	fo.OutDir = filepath.Join(s.devDir(), "assets")
	fo.InjectHTML = clientTag
	fo.Hot = true
	fo.DepsDir, fo.DepsURL = s.live.depsDir, depsPrefix
	if js, err := bundle.ReactRefreshRuntime(fo.Root); err != nil {
		s.opts.Events.Warn("React Fast Refresh is off, edits reload the page: " + err.Error())
	} else if js != nil {
		s.live.refreshJS.Store(js)
		fo.InjectHTML = refreshTag + clientTag
	}
	b.v.AssetsDir = fo.OutDir
	fc, err := bundle.NewFrontendContext(fo)
	if err != nil {
		return &buildFailure{"frontend", err}
	}
	s.frontend = fc
	res, err := fc.Rebuild()
	s.live.frontendBuilt(res)
	s.warnDeps(res)
	if err != nil {
		return &buildFailure{"frontend", err}
	}
	return nil
}

func buildWorker(_ context.Context, b *firstBuild) error {
	s := b.s
	wc, err := bundle.NewWorkerContext(build.WorkerOptions(&build.Inputs{Project: s.p}, ""))
	if err != nil {
		return &buildFailure{"worker", err}
	}
	s.worker = wc
	res, err := wc.Rebuild()
	s.live.workerBuilt(res)
	if err != nil {
		return &buildFailure{"worker", err}
	}
	for _, w := range res.Warnings {
		s.opts.Events.Warn(w.Warning())
	}
	if err := build.CheckExports(s.p, res.Exports); err != nil {
		// As wrangler dev: the start stops, as valet build refuses it.
		return err
	}
	b.v.Script, b.v.SourceMap, b.v.Exports, b.v.Main, b.v.Modules = res.Script, res.SourceMap, res.Exports, res.Main, res.Modules
	return nil
}

// newApp composes one version of the app; the first start and every
// rebuild (rebuild.go) go through it.
func (s *Server) newApp(ctx context.Context, v appserver.Version) (*appserver.App, error) {
	v.Config = withVars(v.Config, s.opts.Vars)
	v.Config = s.hyperdriveFromEnv(v.Config)
	app, err := appserver.New(ctx, v, appserver.Options{
		Dev: true, Events: s.opts.Events, Workerd: s.opts.Workerd, RunDir: filepath.Join(s.devDir(), "workerd"),
		PersistTo: s.opts.PersistTo, Objects: s.objects, Cache: s.cache, Containers: s.containers.Instances(), CF: DevCF,
		TestScheduled: s.opts.TestScheduled, NoCrons: s.opts.NoCrons, TestClock: s.opts.TestClock != nil,
	})
	if err != nil {
		return nil, err
	}
	if app.Edge.Worker != nil {
		app.Edge.Worker = errorPages(app.Edge.Worker, app.MapStack, s.opts.Events)
	}
	return app, nil
}

func (s *Server) close() {
	if s.app != nil {
		s.app.Close()
	}
	if err := s.containers.Close(); err != nil {
		s.opts.Events.Warn("remove containers: " + err.Error())
	}
	if s.frontend != nil {
		s.frontend.Dispose()
	}
	if s.worker != nil {
		s.worker.Dispose()
	}
	s.disposeOthers()
}

func envMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// withVars is c with vars overridden (a copy: the project's config stays as
// loaded, so a config reload keeps the overrides).
func withVars(c *config.Config, vars map[string]string) *config.Config {
	if len(vars) == 0 || c == nil {
		return c
	}
	cc := *c
	cc.Vars = make(map[string]any, len(c.Vars)+len(vars))
	for k, v := range c.Vars {
		cc.Vars[k] = v
	}
	for k, v := range vars {
		cc.Vars[k] = v
	}
	return &cc
}

// hyperdriveFromEnv gives the Hyperdrive bindings the local connection
// strings of the environment (wrangler dev's
// CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_<BINDING>), saying so once
// per session.
func (s *Server) hyperdriveFromEnv(c *config.Config) *config.Config {
	env := envMap(s.opts.Environ)
	c, notes := bindings.HyperdriveFromEnv(c, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for _, n := range notes {
		if !s.warned[n] {
			s.warned[n] = true
			s.opts.Events.Info(n)
		}
	}
	return c
}

// DefaultPersistTo is where valet dev keeps the app's local data without
// --persist-to; the commands that read or write that data (valet
// secrets-store, ...) default to it too.
func DefaultPersistTo(p *config.Project) string { return filepath.Join(p.Dir, ".valet", "state") }
