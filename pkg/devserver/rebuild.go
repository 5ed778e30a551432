package devserver

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devvars"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/image"
)

// swapDrain bounds how long a rebuild waits for requests still running on
// the previous version (a long stream is cut after it, as wrangler does).
const swapDrain = 2 * time.Second

// change is what one batch of changed files affects.
type change struct {
	restart  bool // config, build.command output or r: everything again
	custom   bool // build.watch_dir: run build.command, then everything
	secrets  bool
	frontend bool
	sources  []string // the frontend's inputs that changed (hot updates)
	worker   bool
	assets   bool            // a ready assets directory (no frontend build)
	images   map[string]bool // container classes whose Dockerfile or context changed
	others   []int           // the other workers (valet dev -c a -c b) whose inputs changed
}

func (c change) empty() bool {
	return !c.restart && !c.custom && !c.secrets && !c.frontend && !c.worker && !c.assets && len(c.images) == 0 && len(c.others) == 0
}

// rebuilder is the watch loop's state; only that goroutine touches it.
type rebuilder struct {
	failed      map[string]error // step -> error of its last run
	needRestart bool             // the last restart failed: the next change retries it
	customStat  map[string]fileStat
}

type fileStat struct {
	size int64
	mod  time.Time
}

// classify maps changed paths to what must be rebuilt.
func (s *Server) classify(rb *rebuilder, paths []string) change {
	p, c := s.p, s.p.Config
	ch := change{images: map[string]bool{}}
	s.live.mu.Lock()
	fin, win := s.live.frontendInputs, s.live.workerInputs
	s.live.mu.Unlock()
	dotfiles := map[string]bool{}
	for _, f := range devvars.Files(p.Env) {
		dotfiles[filepath.Join(p.Dir, f)] = true
	}
	var watchDirs []string
	if c.Build != nil && c.Build.Command != "" {
		for _, d := range c.Build.WatchDir {
			watchDirs = append(watchDirs, p.Abs(d))
		}
	}
	public, frontendRoot := "", ""
	if f := c.Frontend; f != nil {
		frontendRoot = p.Dir
		if f.Root != "" {
			frontendRoot = p.Abs(f.Root)
		}
		public = filepath.Join(frontendRoot, "public")
		if f.PublicDir != "" {
			public = filepath.Join(frontendRoot, f.PublicDir)
		}
	}
	assetsDir := ""
	if c.Frontend == nil {
		assetsDir = build.AssetsDir(p)
	}
	own := s.own()
	images := s.imageInputs(own)
	for _, path := range paths {
		if underAny(own, path) {
			continue // valet's own writes (state, logs, builds): never a change of the app
		}
		if rb.needRestart {
			ch.restart = true
		}
		if path == p.Path {
			ch.restart = true
		}
		if dotfiles[path] {
			ch.secrets = true
		}
		for _, d := range watchDirs {
			if inside(d, path) && !rb.sameAsBuilt(path) {
				ch.custom = true
			}
		}
		source := isSource(path)
		if win[path] || (rb.failed["worker"] != nil && source) {
			ch.worker = true
		}
		if fin[path] {
			ch.sources = append(ch.sources, path)
		}
		if fin[path] || (public != "" && inside(public, path)) ||
			(rb.failed["frontend"] != nil && source && inside(frontendRoot, path)) {
			ch.frontend = true
		}
		if assetsDir != "" && inside(assetsDir, path) {
			ch.assets = true
		}
		for class, in := range images {
			if in.Has(path) {
				ch.images[class] = true
			}
		}
	}
	var othersRestart bool
	ch.others, othersRestart = s.othersChanged(paths)
	ch.restart = ch.restart || othersRestart
	if c.Main == "" {
		ch.worker = false
	}
	if c.Frontend == nil {
		ch.frontend = false
	}
	return ch
}

// imageInputs tells, per class built from a Dockerfile, which files its
// build reads (the context as .dockerignore and valet's own paths leave
// it). A class whose context cannot be read is checked on every change:
// its build then says what is wrong.
func (s *Server) imageInputs(own []string) map[string]*image.Inputs {
	out := map[string]*image.Inputs{}
	for _, ct := range s.p.Config.Containers {
		opts, isFile := build.ImageOptions(s.p, ct, own)
		if !isFile {
			continue
		}
		in, err := image.NewInputs(opts)
		if err != nil {
			in = image.AllInputs()
		}
		out[ct.ClassName] = in
	}
	return out
}

// isSource is a file a bundle may import: a failed build retries on it even
// when no build has listed it yet (the missing module just created).
func isSource(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".css", ".json", ".html", ".svg",
		".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".woff", ".woff2", ".ttf", ".txt", ".wasm":
		return true
	}
	return false
}

// sameAsBuilt reports whether path is as build.command left it: its own
// output inside watch_dir must not trigger it again.
func (rb *rebuilder) sameAsBuilt(path string) bool {
	st, ok := rb.customStat[path]
	if !ok {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Size() == st.size && fi.ModTime().Equal(st.mod)
}

// snapshotCustom records the files of watch_dir after build.command ran.
func (rb *rebuilder) snapshotCustom(p *config.Project) {
	rb.customStat = map[string]fileStat{}
	if c := p.Config.Build; c != nil {
		for _, d := range c.WatchDir {
			filepath.Walk(p.Abs(d), func(path string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					rb.customStat[path] = fileStat{fi.Size(), fi.ModTime()}
				}
				return nil
			})
		}
	}
}

// apply rebuilds what ch names and tells the pages. The app that served
// before keeps serving when anything fails.
func (s *Server) apply(ctx context.Context, rb *rebuilder, ch change) {
	start := time.Now()
	em := s.opts.Events
	reload, what := "", []string{}
	var css []string
	var hot hotUpdate
	if ch.custom && !ch.restart {
		err := em.Step("custom build", func() error {
			return build.RunCommand(ctx, build.CommandOptions{Build: s.p.Config.Build, Dir: s.p.Dir, Environ: s.opts.Environ, Events: em})
		})
		rb.record("custom build", err)
		rb.snapshotCustom(s.p)
		if err == nil {
			for _, ct := range s.p.Config.Containers {
				ch.images[ct.ClassName] = true
			}
		}
	}
	switch {
	case ch.restart:
		if s.restart(ctx, rb) {
			reload, what = msgReload, append(what, "config")
			rb.snapshotCustom(s.p)
		}
	default:
		newVersion := false
		v := s.live.version
		if ch.frontend && s.frontend != nil {
			var res *bundle.FrontendResult
			err := em.Step("frontend", func() (err error) {
				res, err = s.frontend.Rebuild()
				return err
			})
			rb.record("frontend", err)
			if err == nil {
				s.live.frontendBuilt(res)
				s.warnDeps(res)
				if s.app.Assets != nil {
					if err := s.app.Assets.Reload(); err != nil {
						em.Warn("reload assets: " + err.Error())
					}
				}
				changed, htmlChanged := s.live.outputChange(v.AssetsDir, res)
				kind, files := reloadKind(changed, htmlChanged)
				if u, ok := planHot(res, changed, htmlChanged, ch.sources); ok && kind == msgReload {
					kind, hot = msgHot, u
				}
				reload, css = merge(reload, kind), files
				if kind != "" {
					what = append(what, "frontend")
				}
			}
		}
		if ch.assets && s.app.Assets != nil {
			if err := s.app.Assets.Reload(); err != nil {
				em.Warn("reload assets: " + err.Error())
			} else {
				reload, what = msgReload, append(what, "assets")
			}
		}
		if ch.worker && s.worker != nil {
			var res *bundle.WorkerResult
			err := em.Step("worker", func() (err error) {
				if res, err = s.worker.Rebuild(); err != nil {
					return err
				}
				return build.CheckExports(s.p, res.Exports)
			})
			rb.record("worker", err)
			if err == nil {
				s.live.workerBuilt(res)
				v.Script, v.SourceMap, v.Exports, v.Main, v.Modules = res.Script, res.SourceMap, res.Exports, res.Main, res.Modules
				newVersion = true
				what = append(what, "worker")
			}
		}
		if len(ch.others) > 0 {
			if rebuilt := s.applyOthers(rb, ch.others); len(rebuilt) > 0 {
				v.Others = s.otherVersions()
				newVersion = true
				what = append(what, rebuilt...)
			}
		}
		if ch.secrets {
			vars, err := devvars.Load(s.p.Dir, s.p.Env)
			rb.record("secrets", err)
			if err == nil {
				v.Secrets = vars.Values
				newVersion = true
				what = append(what, "secrets "+strings.Join(vars.Keys(), ", "))
			}
		}
		if newVersion && rb.failed["worker"] == nil {
			if s.swapVersion(ctx, v, rb) {
				reload = msgReload
			}
		}
	}
	if len(ch.images) > 0 && s.imagesChanged(ctx, rb, ch.images) {
		reload, what = msgReload, append(what, "images")
	}
	errs := rb.errors()
	s.live.hub.fail(errs)
	if len(errs) > 0 || reload == "" {
		return
	}
	switch reload {
	case msgCSS:
		s.live.hub.send(message{msgCSS, jsonList(css)})
	case msgHot:
		s.live.hub.send(message{msgHot, hot.data()})
	default:
		s.live.hub.send(message{event: msgReload})
	}
	em.Emit(events.Event{Kind: events.Reloaded, Duration: time.Since(start), Message: strings.Join(what, ", "), Step: reload})
}

// swapVersion starts v beside the app in service and switches to it.
func (s *Server) swapVersion(ctx context.Context, v appserver.Version, rb *rebuilder) bool {
	var app *appserver.App
	err := s.opts.Events.Step("start", func() (err error) {
		app, err = s.newApp(ctx, v)
		return err
	})
	rb.record("start", err)
	if err != nil {
		return false
	}
	s.live.version = v
	s.switchTo(app)
	return true
}

// switchTo puts app in service and stops the previous one once its
// requests are done.
func (s *Server) switchTo(app *appserver.App) {
	old := s.app
	if old != nil && old != app {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := app.TakeObjects(ctx, old); err != nil {
			s.opts.Events.Warn(err.Error())
		}
		cancel()
	}
	s.app = app
	s.live.app.Store(app)
	s.opts.TestClock.Use(app)
	ctx, cancel := context.WithTimeout(context.Background(), swapDrain)
	defer cancel()
	_ = s.edge.SwapAndDrain(ctx, app.Edge) // past the drain, the old version is closed anyway
	if old != nil && old != app {
		go old.Close()
	}
}

// restart reloads the config and builds everything again with fresh build
// contexts. On failure the previous app keeps serving and the next change
// retries.
func (s *Server) restart(ctx context.Context, rb *rebuilder) bool {
	p, err := config.Load(config.LoadOptions{Path: s.p.Path, Env: s.p.Env})
	rb.record("config", err)
	if err != nil {
		rb.needRestart = true
		s.opts.Events.Emit(events.Event{Kind: events.StepFailed, Step: "config", Error: err.Error()})
		return false
	}
	for _, w := range p.Warnings {
		s.opts.Events.Warn(w.String())
	}
	oldP, oldApp, oldF, oldW := s.p, s.app, s.frontend, s.worker
	s.p, s.frontend, s.worker = p, nil, nil
	err = s.reloadOthers()
	if err == nil {
		err = s.buildAll(ctx)
	}
	// One entry for the whole build on the overlay: the step that failed now.
	for _, step := range []string{"build", "custom build", "frontend", "worker"} {
		delete(rb.failed, step)
	}
	for _, o := range s.others {
		delete(rb.failed, "worker "+o.name())
	}
	if err != nil {
		rb.record(failedStep(err), err)
	}
	newApp := s.app
	if err != nil || newApp == oldApp {
		// Keep the new contexts that were made (their config is the new one)
		// and the old ones for what the build did not reach.
		if s.frontend == nil {
			s.frontend = oldF
		} else if oldF != nil {
			oldF.Dispose()
		}
		if s.worker == nil {
			s.worker = oldW
		} else if oldW != nil {
			oldW.Dispose()
		}
		s.p = p
		_ = oldP
		rb.needRestart = true
		return false
	}
	rb.needRestart = false
	rb.failed = map[string]error{}
	if oldF != nil {
		oldF.Dispose()
	}
	if oldW != nil {
		oldW.Dispose()
	}
	s.app = oldApp
	s.switchTo(newApp)
	s.baseline()
	return true
}

// baseline takes the last frontend build as what the next one is compared to.
func (s *Server) baseline() {
	s.live.mu.Lock()
	res := s.live.lastFrontend
	s.live.mu.Unlock()
	if res != nil {
		s.live.outputChange(s.live.version.AssetsDir, res)
	}
}

func (rb *rebuilder) record(step string, err error) {
	if err != nil {
		rb.failed[step] = err
		return
	}
	delete(rb.failed, step)
}

// errors lists the failures for the overlay, in a stable order.
func (rb *rebuilder) errors() []buildError {
	out := make([]buildError, 0, len(rb.failed))
	for step, err := range rb.failed {
		out = append(out, newBuildError(step, err))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Title < out[j].Title })
	return out
}

func merge(cur, next string) string {
	if cur == msgReload || next == msgReload {
		return msgReload
	}
	if cur == msgHot || next == msgHot {
		return msgHot // it swaps the stylesheets too
	}
	if next != "" {
		return next
	}
	return cur
}
