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
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/assets"
	"github.com/valet-dev/valet/pkg/bindings"
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

	AssetsDir string            // "" when the app has no assets
	Secrets   map[string]string // .dev.vars in dev, `valet secret` on a host
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
	// CF is request.cf as JSON (the dev defaults wrangler gives).
	CF string
}

// App is a version ready to serve.
type App struct {
	Edge   edge.Options
	Assets *assets.Server

	proc     *workerd.Process
	proxy    *workerd.Proxy
	bridge   *workerd.Bridge
	member   *workerd.Member
	objects  *workerd.Objects
	assetsLn *http.Server
	dirs     []string
	closed   atomic.Bool
	opts     Options
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

	token := workerd.NewToken()
	classes := facadeClasses(c, v.Exports)
	mods, err := writeModules(dir, v, classes, token)
	if err != nil {
		return err
	}
	cfg := &workerd.Config{
		Service:            serviceName(c),
		CompatibilityDate:  c.CompatibilityDate,
		CompatibilityFlags: c.CompatibilityFlags,
		Modules:            mods,
		Control:            workerd.ControlSource(token),
		Bridge:             filepath.Join(sockets, "bridge.sock"),
		Tail:               opts.Dev,
	}
	if cfg.CompatibilityDate == "" {
		// As wrangler dev without a date: today's runtime behaviour.
		cfg.CompatibilityDate = time.Now().UTC().Format("2006-01-02")
	}
	bctx := bindings.Context{Secrets: v.Secrets}
	if app.Assets != nil {
		cfg.Assets = filepath.Join(sockets, "assets.sock")
		bctx.AssetsService = workerd.AssetsService
		if err := app.serveAssets(cfg.Assets); err != nil {
			return err
		}
	}
	if cfg.Bindings, err = bindings.Workerd(c, bctx); err != nil {
		return err
	}
	appName := opts.AppName
	if appName == "" {
		appName = c.Name
	}
	for _, cl := range classes {
		cfg.DurableObjects = append(cfg.DurableObjects, workerd.DurableObjectClass{
			Class: cl.Name, UniqueKey: uniqueKey(appName, cl.Storage), SQL: true,
		})
	}
	if opts.PersistTo != "" && len(classes) > 0 {
		cfg.DurableStorage = filepath.Join(opts.PersistTo, "do")
		if err := os.MkdirAll(cfg.DurableStorage, 0o755); err != nil {
			return fmt.Errorf("durable object storage: %w", err)
		}
	}

	objects := opts.Objects
	if objects == nil {
		objects = workerd.NewObjects()
	}
	app.objects = objects
	logs := newLogSink(opts.Events, v.SourceMap)
	// The member's control client is set once the process runs; until then
	// no other version can ask it for an object it does not have yet.
	ctlClient := &lazyControl{}
	app.member = objects.Join(filepath.Base(dir), ctlClient.do)
	app.bridge, err = workerd.NewBridge(workerd.BridgeOptions{
		Socket: cfg.Bridge, Member: app.member, Containers: opts.Containers, Trace: logs.trace,
	})
	if err != nil {
		return err
	}
	proc, err := workerd.Start(ctx, workerd.StartOptions{
		Binary: opts.Workerd, Config: cfg, Dir: dir, SocketDir: sockets, Logs: logs.line,
	})
	if err != nil {
		return logs.mapError(err)
	}
	app.proc = proc
	ctlClient.set(proc)
	app.proxy = workerd.NewProxy(proc.HTTPSocket(), opts.CF)
	go app.watch()
	return nil
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
	app.opts.Events.Emit(events.Event{Kind: events.Log, Source: "workerd", Error: msg, Message: strings.Join(app.proc.Tail(), "\n")})
}

func (app *App) serveAssets(socket string) error {
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return fmt.Errorf("assets binding socket: %w", err)
	}
	app.assetsLn = &http.Server{Handler: app.Assets, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = app.assetsLn.Serve(ln) }()
	return nil
}

// Scheduled runs the worker's scheduled handler for cron at t.
func (app *App) Scheduled(ctx context.Context, cron string, t time.Time) error {
	if app.proc == nil {
		return errors.New("the app has no worker (main) to run a scheduled event on")
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
		if app.member != nil && app.objects.Joined() > 0 {
			// Another version runs on the same storage: a graceful stop
			// would lock the objects' files as it closes them (see Kill).
			app.proc.Kill()
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
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
	if app.assetsLn != nil {
		errs = append(errs, app.assetsLn.Close())
	}
	for _, d := range app.dirs {
		_ = os.RemoveAll(d)
	}
	return errors.Join(errs...)
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
func writeModules(dir string, v Version, classes []facadeClass, token string) ([]workerd.Module, error) {
	hasDefault := false
	for _, e := range v.Exports {
		if e == "default" {
			hasDefault = true
		}
	}
	if v.Exports == nil {
		hasDefault = true
	}
	fc := make([]workerd.FacadeClass, len(classes))
	for i, c := range classes {
		fc[i] = c.FacadeClass
	}
	script := v.Script
	if len(v.SourceMap) > 0 {
		script = withSourceMapURL(script, appModule+".map")
	}
	files := []struct {
		name string
		data []byte
	}{
		{workerd.EntryModule, []byte(workerd.Entry(appModule, hasDefault, fc, token))},
		{workerd.RTModule, []byte(workerd.RuntimeSource())},
		{appModule, script},
	}
	var mods []workerd.Module
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return nil, fmt.Errorf("write worker module: %w", err)
		}
		mods = append(mods, workerd.Module{Name: f.name, Type: "esModule", Path: p})
	}
	if len(v.SourceMap) > 0 {
		if err := os.WriteFile(filepath.Join(dir, appModule+".map"), v.SourceMap, 0o644); err != nil {
			return nil, fmt.Errorf("write worker source map: %w", err)
		}
	}
	return mods, nil
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
