// Package appserver puts one version of an app together: the static assets,
// the worker running in its own workerd process, and valet's services that
// process reaches (the assets binding, containers, object ownership), behind
// the edge's routing. `valet dev` and a deployed host both build their
// handler here, so what works locally works there.
package appserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/assets"
	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/cacheapi"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/edge"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
)

// Version is what one version of the app consists of.
type Version struct {
	Config *config.Config // resolved for the environment
	// Dir resolves relative paths of Config (the project dir in dev).
	Dir string

	Script    []byte   // the bundled worker, an ES module (nil: no worker)
	SourceMap []byte   // its source map, for stacks in logs
	Exports   []string // its exports ("default" when it has one)
	// Main is Script's module name (default worker.js; with no_bundle, the
	// entry's path below base_dir), and Modules ship beside it under their
	// names (module rules).
	Main    string
	Modules []bundle.Module

	AssetsDir string            // "" when the app has no assets
	Secrets   map[string]string // .dev.vars in dev, `valet secret` on a host

	// Others are more workers run in the same workerd process (valet dev
	// -c a -c b), each with its own config, bundle, secrets and Durable
	// Objects: the app's worker reaches them through service bindings,
	// and they share its queues. Only the app's worker is served, and only
	// its assets (their AssetsDir is ignored).
	Others []Version
}

// Options are how the version is served.
type Options struct {
	Dev    bool
	Events *events.Emitter

	// Workerd is the workerd executable (see workerd.Locate).
	Workerd string
	// RunDir is where the version's workerd config and modules are written;
	// each version takes a directory of its own below it.
	RunDir string

	// Durable Objects: their storage lives under PersistTo/do ("" keeps it
	// in memory); AppName (default: the config's name) keys their
	// namespaces. Objects is shared by the versions of one session or host,
	// so that an object runs in one of them at a time; nil: this version's
	// own. Containers, when set, backs the classes of containers[]; it
	// outlives the version, so that a rebuild keeps the running containers.
	PersistTo  string
	AppName    string
	Objects    *workerd.Objects
	Containers workerd.Containers
	// CF is request.cf as JSON (the dev defaults wrangler gives), for the
	// versions whose code names cf (requestCF).
	CF string
	// TestScheduled (dev) has the worker answer GET /__scheduled by running
	// its scheduled handler (wrangler dev --test-scheduled).
	TestScheduled bool
	// NoCrons leaves triggers.crons unscheduled (valet dev --no-crons):
	// only /cdn-cgi/handler/scheduled runs the scheduled handler then.
	NoCrons bool
	// TestClock runs workerd's bundled cron, queues and workflows with
	// their test clock, which App.AdvanceClock moves (tests only).
	TestClock bool
	// Cache answers the worker's Cache API (a *cacheapi.Store). Shared by
	// the versions of one session or host, so that a rebuild or a deploy
	// keeps what was cached, as on Cloudflare; nil: this version's own.
	Cache http.Handler
	// VersionID is the version's id (version_metadata); "": a new one.
	VersionID string
	// Cluster, when set, makes the version's workerd one instance of a
	// workerd cluster: its Durable Objects live in the cluster's bucket and
	// run on one instance at a time, wherever workerd puts them; Objects is
	// then a cluster table (workerd.NewClusterObjects) or nil. ClusterAddr
	// and ClusterAdvertise are this host's cluster address and the one its
	// peers reach it at (see workerd.StartOptions).
	Cluster          *workerd.Cluster
	ClusterAddr      string
	ClusterAdvertise string
}

// App is a version ready to serve.
type App struct {
	Edge   edge.Options
	Assets *assets.Server

	proc    *workerd.Process
	proxy   *workerd.Proxy
	bridge  *workerd.Bridge
	member  *workerd.Member
	objects *workerd.Objects
	logs    *logSink
	servers []*http.Server // valet's services the worker reaches: assets, cache, bindings' handlers
	closers []io.Closer    // and what they hold open
	dirs    []string
	closed  atomic.Bool
	opts    Options
}

// New loads the assets and starts the worker's workerd.
func New(ctx context.Context, v Version, opts Options) (*App, error) {
	c := v.Config
	app := &App{opts: opts}
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
		if err := app.startWorker(ctx, v); err != nil {
			_ = app.Close()
			return nil, err
		}
	}
	app.Edge = edge.Options{Assets: app.Assets, Events: opts.Events, Dev: opts.Dev}
	if c.Assets != nil {
		app.Edge.RunWorkerFirst = c.Assets.RunWorkerFirst
	}
	if app.proxy != nil {
		app.Edge.Worker = app.proxy
	}
	return app, nil
}

func (app *App) startWorker(ctx context.Context, v Version) error {
	opts := app.opts
	c := v.Config
	if opts.Workerd == "" {
		return errors.New("no workerd to run the worker on (see workerd.Locate)")
	}
	if err := os.MkdirAll(opts.RunDir, 0o755); err != nil {
		return fmt.Errorf("worker run directory: %w", err)
	}
	dir, err := os.MkdirTemp(opts.RunDir, "v-")
	if err != nil {
		return fmt.Errorf("worker run directory: %w", err)
	}
	app.dirs = append(app.dirs, dir)
	sockets, err := workerd.ShortDir("s")
	if err != nil {
		return err
	}
	app.dirs = append(app.dirs, sockets)

	appName := opts.AppName
	if appName == "" {
		appName = c.Name
	}
	ws, err := planWorkers(v, appName)
	if err != nil {
		return err
	}
	token := workerd.NewToken()
	for _, w := range ws {
		w.workerd = opts.Workerd
		if err := w.write(dir, workerd.EntryOptions{Token: token, Dev: opts.Dev, TestScheduled: opts.Dev && opts.TestScheduled}); err != nil {
			return err
		}
	}
	cfg := &workerd.Config{
		Service:            ws[0].service,
		CompatibilityDate:  ws[0].compatibilityDate(),
		CompatibilityFlags: c.CompatibilityFlags,
		Modules:            ws[0].mods,
		Control:            workerd.ControlSource(token),
		Bridge:             filepath.Join(sockets, "bridge.sock"),
	}
	bctx := bindings.Context{PersistTo: opts.PersistTo, App: appName, Services: &bindings.Services{},
		SocketDir: sockets, Dev: opts.Dev, NoCrons: opts.NoCrons, TestClock: opts.TestClock, VersionID: opts.VersionID}
	for _, w := range ws {
		bctx.Workers = append(bctx.Workers, bindings.Worker{Config: w.v.Config, Service: w.service})
	}
	if app.Assets != nil {
		cfg.Assets = filepath.Join(sockets, "assets.sock")
		bctx.AssetsService = workerd.AssetsService
		if err := app.serveAssets(cfg.Assets); err != nil {
			return err
		}
	}
	cache := opts.Cache
	if cache == nil {
		cache = cacheapi.New(cacheapi.Options{})
	}
	cfg.Cache = filepath.Join(sockets, "cache.sock")
	if err := app.serveUnix(cfg.Cache, "cache API", cache); err != nil {
		return err
	}
	err = bindWorkers(ws, bctx)
	// Secrets go to workerd through its environment, never its config.
	cfg.Env = map[string]string{}
	for _, w := range ws {
		for k, val := range w.v.Secrets {
			cfg.Env[bindings.SecretEnv(w.service, k)] = val
		}
	}
	// Handlers made before a failure are closed with the app.
	if serr := app.serveHandlers(bctx.Services.Handlers()); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	cfg.Bindings = ws[0].bindings
	cfg.Services = bctx.Services.List()
	cfg.Extensions = bctx.Services.Extensions()
	cfg.Workflows = bctx.Services.Engines(ws[0].service)
	cfg.Clocks = bctx.Services.Clocks()
	cfg.DurableObjects = ws[0].objects()
	objectsToStore := len(cfg.DurableObjects) > 0
	for _, w := range ws[1:] {
		cfg.Others = append(cfg.Others, workerd.Worker{
			Service: w.service, CompatibilityDate: w.compatibilityDate(), CompatibilityFlags: w.v.Config.CompatibilityFlags,
			Modules: w.mods, Bindings: w.bindings, DurableObjects: w.objects(), Workflows: bctx.Services.Engines(w.service),
		})
		objectsToStore = objectsToStore || len(w.classes) > 0
	}
	if opts.PersistTo != "" && objectsToStore {
		cfg.DurableStorage = filepath.Join(opts.PersistTo, "do")
		if err := os.MkdirAll(cfg.DurableStorage, 0o755); err != nil {
			return fmt.Errorf("durable object storage: %w", err)
		}
	}

	cfg.Cluster = opts.Cluster
	objects := opts.Objects
	switch {
	case objects == nil && opts.Cluster != nil:
		objects = workerd.NewClusterObjects()
	case objects == nil:
		objects = workerd.NewObjects()
	case objects.Cluster() != (opts.Cluster != nil):
		return errors.New("appserver: Options.Objects and Options.Cluster disagree: a cluster's versions share a workerd.NewClusterObjects table")
	}
	app.objects = objects
	logs := newLogSink(opts.Events, stackMappers(ws)...)
	app.logs = logs
	// The member's control client is set once the process runs; until then
	// no other version can ask it for an object it does not have yet.
	ctlClient := &lazyControl{}
	app.member = objects.Join(filepath.Base(dir), ctlClient.do)
	app.bridge, err = workerd.NewBridge(workerd.BridgeOptions{
		Socket: cfg.Bridge, Member: app.member, Containers: opts.Containers,
	})
	if err != nil {
		return err
	}
	proc, err := workerd.Start(ctx, workerd.StartOptions{
		Binary: opts.Workerd, Config: cfg, Dir: dir, SocketDir: sockets, Logs: logs.line,
		ClusterAddr: opts.ClusterAddr, ClusterAdvertise: opts.ClusterAdvertise,
	})
	if err != nil {
		return logs.mapError(err)
	}
	app.proc = proc
	ctlClient.set(proc)
	app.proxy = workerd.NewProxy(proc.HTTPSocket(), requestCF(opts.CF, ws))
	go app.watch()
	return nil
}

// requestCF is the request.cf (JSON) the edge gives the version's
// workers: cf when the code of any of them may read it (bundle.NamesWord),
// else none. Given on every request, it is a ~1 KB header that workerd
// parses and keeps, about a tenth of a trivial route's time; code that
// never names cf cannot read it, and only a logged Request shows the
// difference ("cf: undefined").
func requestCF(cf string, ws []*processWorker) string {
	if cf == "" {
		return ""
	}
	for _, w := range ws {
		if bundle.ModulesName(w.v.Script, w.v.Modules, "cf") {
			return cf
		}
	}
	return ""
}

// watch reports a workerd that exits while the version is in service.
func (app *App) watch() {
	<-app.proc.Done()
	if app.closed.Load() {
		return
	}
	err := app.proc.Err()
	msg := "the worker runtime stopped"
	if err != nil {
		msg += ": " + err.Error()
	}
	app.opts.Events.Emit(events.Event{Kind: events.Log, Source: "workerd", Level: "error", Error: msg, Message: strings.Join(app.proc.Tail(), "\n")})
}

// serveHandlers serves the Go handlers of the bindings (R2, ...), each on
// its socket, until Close.
func (app *App) serveHandlers(hs []bindings.Handler) error {
	for _, h := range hs {
		if c, ok := h.Handler.(io.Closer); ok {
			app.closers = append(app.closers, c)
		}
		if err := app.serveUnix(h.Socket, h.Name, h.Handler); err != nil {
			return err
		}
	}
	return nil
}

func (app *App) serveAssets(socket string) error {
	return app.serveUnix(socket, "assets binding", app.Assets)
}

// serveUnix answers workerd's requests to one of valet's services on a
// unix socket, until Close.
func (app *App) serveUnix(socket, what string, h http.Handler) error {
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return fmt.Errorf("%s socket: %w", what, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	app.servers = append(app.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// Scheduled runs the worker's scheduled handler for cron at t and returns
// workerd's outcome ("ok", "exception", ...); see workerd.Process.Scheduled.
func (app *App) Scheduled(ctx context.Context, cron string, t time.Time) (string, error) {
	if app.proc == nil {
		return "", errors.New("the app has no worker (main) to run a scheduled event on")
	}
	return app.proc.Scheduled(ctx, cron, t)
}

// Serve makes this version the one in service for the Durable Objects it
// shares with other versions (Options.Objects): their alarms run here, and
// those of objects another version held as it stopped are set here.
func (app *App) Serve(ctx context.Context) {
	if app.member != nil {
		app.objects.SetServing(ctx, app.member)
	}
}

// AdvanceClock moves the test clock (Options.TestClock) of the version's
// cron triggers, queues and workflows by d: a cron whose next run falls
// within d runs now. It returns once each module has taken the change.
func (app *App) AdvanceClock(ctx context.Context, d time.Duration) error {
	if app.proc == nil {
		return errors.New("the app has no worker (main) to move the clock of")
	}
	if !app.opts.TestClock {
		return errors.New("the version runs without a test clock (Options.TestClock)")
	}
	_, err := app.proc.AdvanceClock(ctx, d)
	return err
}

// TakeObjects moves the Durable Objects that prev runs to app, before app
// takes traffic: app builds each of them (prev releases it first), so
// their storage is open in app's workerd before prev's exits. An object
// first opened while the exiting workerd closes its SQLite file would fail
// with SQLITE_BUSY: the last process to close a file checkpoints it under
// an exclusive lock, which it cannot take while app holds the file open.
func (app *App) TakeObjects(ctx context.Context, prev *App) error {
	if app.proc == nil || prev == nil || prev.member == nil {
		return nil
	}
	var errs []error
	for _, o := range prev.member.Owned() {
		if _, err := app.proc.ControlObject(ctx, o.Class, o.ID, "wake", 0); err != nil {
			errs = append(errs, fmt.Errorf("move Durable Object %s %s to the new version: %w", o.Class, o.ID, err))
		}
	}
	return errors.Join(errs...)
}

// Objects lists the Durable Objects the version runs, as far as valet
// knows: those its facades built that no other version of the host has
// taken since. In a cluster, an object another host's instance takes over
// stays listed here until this version stops.
func (app *App) Objects() []workerd.ObjectRef {
	if app.member == nil {
		return nil
	}
	return app.member.Owned()
}

// MapStack rewrites the positions in a stack of the worker to its original
// sources and drops the frames of valet's own modules.
func (app *App) MapStack(stack string) string {
	if app.logs == nil {
		return stack
	}
	return app.logs.mapStack(stack)
}

// Close stops the worker's workerd (its Durable Objects are handed over to
// whichever version asks for them next), then the services around it.
// Containers are the owner's of Options.Containers to close.
func (app *App) Close() error {
	if app.closed.Swap(true) {
		return nil
	}
	var errs []error
	if app.member != nil {
		// Its requests are done: hand its objects over (alarms woken in
		// the version in service) while its workerd still runs.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		app.member.Leave(ctx)
		cancel()
	}
	if app.proc != nil {
		switch {
		case app.member != nil && !app.objects.Cluster() && app.objects.Joined() > 0:
			// Another version runs on the same storage: a graceful stop
			// would lock the objects' files as it closes them (see Kill).
			app.proc.Kill()
		default:
			// In a cluster, the stop hands the objects to the peers.
			ctx, cancel := context.WithTimeout(context.Background(), app.stopTimeout())
			errs = append(errs, app.proc.Stop(ctx))
			cancel()
		}
	}
	if app.proxy != nil {
		errs = append(errs, app.proxy.Close())
	}
	if app.bridge != nil {
		errs = append(errs, app.bridge.Close())
	}
	for _, s := range app.servers {
		errs = append(errs, s.Close())
	}
	for _, c := range app.closers {
		errs = append(errs, c.Close())
	}
	for _, d := range app.dirs {
		_ = os.RemoveAll(d)
	}
	return errors.Join(errs...)
}

// stopTimeout bounds workerd's stop before it is killed: in a cluster, the
// stop hands the objects to the peers and takes up to the cluster's stop
// timeout (workerd's default 8 s).
func (app *App) stopTimeout() time.Duration {
	const margin = 5 * time.Second
	c := app.opts.Cluster
	if c == nil {
		return 10 * time.Second
	}
	if c.StopTimeout > 0 {
		return c.StopTimeout + margin
	}
	return 8*time.Second + margin
}

// Ready is the readiness of the version's workerd in its cluster (GET
// /ready on its cluster port): nil while it serves, holds its lease and is
// not stopping. Outside a cluster it is nil once the worker runs.
func (app *App) Ready(ctx context.Context) error {
	if app.proc == nil || app.opts.Cluster == nil {
		return nil
	}
	return app.proc.Ready(ctx)
}

// ClusterAddr is where the version's cluster port answers ("" outside a
// cluster).
func (app *App) ClusterAddr() string {
	if app.proc == nil {
		return ""
	}
	return app.proc.ClusterAddr()
}

// serviceName names the worker in workerd's logs: the app's name when it is
// a plain one.
func serviceName(c *config.Config) string {
	if c.Name != "" && !strings.ContainsAny(c.Name, " \t\"") {
		return c.Name
	}
	return "worker"
}

// facadeClass is a Durable Object class the worker exports and binds.
type facadeClass struct {
	workerd.FacadeClass
	Storage string // the key its objects are stored under
}

// facadeClasses lists the classes valet wraps: those the config binds
// (durable_objects, containers, exports) that the worker exports.
func facadeClasses(c *config.Config, exports []string) []facadeClass {
	exported := map[string]bool{}
	for _, e := range exports {
		exported[e] = true
	}
	withContainer := map[string]bool{}
	for _, ct := range c.Containers {
		withContainer[ct.ClassName] = true
	}
	want := map[string]bool{}
	if c.DurableObjects != nil {
		for _, b := range c.DurableObjects.Bindings {
			if b.ScriptName == "" {
				want[b.ClassName] = true
			}
		}
	}
	for cl := range withContainer {
		want[cl] = true
	}
	for _, cl := range c.ExportedClasses() {
		want[cl] = true
	}
	keys := storageKeys(c)
	var out []facadeClass
	for cl := range want {
		if cl == "" || (exports != nil && !exported[cl]) {
			continue
		}
		key := keys[cl]
		if key == "" {
			key = cl
		}
		out = append(out, facadeClass{FacadeClass: workerd.FacadeClass{Name: cl, Container: withContainer[cl]}, Storage: key})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// storageKeys follows renamed_classes migrations: a renamed class keeps the
// key of the class it was, so its objects keep their storage.
func storageKeys(c *config.Config) map[string]string {
	keys := map[string]string{}
	for _, m := range c.Migrations {
		for _, r := range m.RenamedClasses {
			key := keys[r.From]
			if key == "" {
				key = r.From
			}
			keys[r.To] = key
			delete(keys, r.From)
		}
	}
	return keys
}

// uniqueKey is a namespace's key in workerd, as `workerd deploy` names a
// wrangler project's: <app>-<storage key>.
func uniqueKey(app, storage string) string {
	if app == "" {
		app = "app"
	}
	return app + "-" + storage
}

// writeModules writes the worker's modules, valet's entry first.
func writeModules(dir string, v Version, eo workerd.EntryOptions, classes []facadeClass) ([]workerd.Module, error) {
	hasDefault := false
	for _, e := range v.Exports {
		if e == "default" {
			hasDefault = true
		}
	}
	if v.Exports == nil {
		hasDefault = true
	}
	eo.HasDefault = hasDefault
	for _, c := range classes {
		eo.Classes = append(eo.Classes, c.FacadeClass)
	}
	main := v.Main
	if main == "" {
		main = appModule
	}
	script := v.Script
	if len(v.SourceMap) > 0 {
		script = withSourceMapURL(script, path.Base(main)+".map")
	}
	eo.App = main
	files := append(workerd.EntryModules(eo), workerd.SourceFile{Name: main})
	var mods []workerd.Module
	for _, f := range files {
		data := []byte(f.Source)
		if f.Name == main {
			data = script
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := writeFile(p, data); err != nil {
			return nil, fmt.Errorf("write worker module: %w", err)
		}
		mods = append(mods, workerd.Module{Name: f.Name, Type: "esModule", Path: p})
	}
	if len(v.SourceMap) > 0 {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(main)+".map"), v.SourceMap, 0o644); err != nil {
			return nil, fmt.Errorf("write worker source map: %w", err)
		}
	}
	// The modules of the module rules, in a directory of their own: no name
	// of theirs can meet a file of valet's (config.capnp).
	for _, m := range v.Modules {
		p := filepath.Join(dir, "modules", filepath.FromSlash(m.Name))
		if err := writeFile(p, m.Content); err != nil {
			return nil, fmt.Errorf("write worker module: %w", err)
		}
		mods = append(mods, workerd.Module{Name: m.Name, Type: m.Type, Path: p})
	}
	return mods, nil
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// appModule is the app's bundle's module name in workerd (stacks name it).
const appModule = "worker.js"

// withSourceMapURL points the script's sourceMappingURL comment at name.
func withSourceMapURL(script []byte, name string) []byte {
	s := string(script)
	if i := strings.LastIndex(s, "\n//# sourceMappingURL="); i >= 0 {
		s = s[:i]
	}
	return []byte(s + "\n//# sourceMappingURL=" + name + "\n")
}

// lazyControl is a member's control client, known once its process runs.
type lazyControl struct {
	proc atomic.Pointer[workerd.Process]
}

func (l *lazyControl) set(p *workerd.Process) { l.proc.Store(p) }

func (l *lazyControl) do(ctx context.Context, class, id, op string, epoch uint64) ([]byte, error) {
	p := l.proc.Load()
	if p == nil {
		return nil, errors.New("the worker runtime is not running")
	}
	return p.ControlObject(ctx, class, id, op, epoch)
}
