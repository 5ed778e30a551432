package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/events"
)

// Pool runs one worker script in several isolates and serves HTTP with it.
type Pool struct {
	opts     Options
	isolates []*Isolate
	work     sync.WaitGroup // ctx.waitUntil promises not yet settled
	stopWD   chan struct{}
	mapped   map[string]bool // files of the source map
	closed   sync.Once
	closeErr error

	expMu   sync.Mutex
	exports ExportsFunc // ctx.exports beyond WorkerEntrypoints
}

// New compiles the worker once and evaluates it in every isolate.
func New(opts Options) (*Pool, error) {
	o := opts.withDefaults()
	if len(o.Script) == 0 {
		return nil, errors.New("runtime: no worker script (Options.Script is empty)")
	}
	prelude, err := compilePrelude()
	if err != nil {
		return nil, err
	}
	prog, err := compileWorker(o)
	if err != nil {
		return nil, err
	}
	p := &Pool{opts: o, stopWD: make(chan struct{}), mapped: mappedSources(o.SourceMap)}
	p.isolates = make([]*Isolate, o.Isolates)
	var g errgroup.Group
	for i := range p.isolates {
		g.Go(func() error {
			iso, err := p.newIsolate(i, prelude, prog)
			p.isolates[i] = iso
			return err
		})
	}
	if err := g.Wait(); err != nil {
		p.stopLoops()
		return nil, err
	}
	go p.watchdog()
	return p, nil
}

// compileWorker parses the bundle with its source map so that goja reports
// positions in the original sources.
func compileWorker(o Options) (*goja.Program, error) {
	src := string(o.Script)
	popts := []parser.Option{parser.WithDisableSourceMaps}
	if len(o.SourceMap) > 0 {
		popts = []parser.Option{parser.WithSourceMapLoader(func(string) ([]byte, error) { return o.SourceMap, nil })}
		if !strings.Contains(src, "//# sourceMappingURL=") {
			src += "\n//# sourceMappingURL=" + o.Filename + ".map\n"
		}
	}
	ast, err := goja.Parse(o.Filename, src, popts...)
	if err != nil {
		// goja reads a class field named get, set or async as an accessor
		// or method (Hono's Context has `set = (key, value) => ...`); the
		// same field with a quoted name parses.
		if fixed, ok := quoteClassFields(src); ok {
			if ast2, err2 := goja.Parse(o.Filename, fixed, popts...); err2 == nil {
				ast, err = ast2, nil
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("parse worker %s: %w (is it an esbuild IIFE bundle with target es2020?)", o.Filename, err)
	}
	prog, err := goja.CompileAST(ast, false)
	if err != nil {
		return nil, fmt.Errorf("compile worker %s: %w", o.Filename, err)
	}
	return prog, nil
}

func (p *Pool) newIsolate(i int, prelude, prog *goja.Program) (*Isolate, error) {
	iso := &Isolate{
		pool: p, id: i, vm: goja.New(), loop: newLoop(), done: make(chan struct{}), start: time.Now(),
		reqs: map[int64]*reqState{}, handles: map[int64]*handle{}, aborts: map[int64]context.CancelFunc{},
		urlCache: map[string]goja.Value{},
	}
	iso.vm.SetFieldNameMapper(goja.UncapFieldNameMapper())
	iso.vm.SetMaxCallStackSize(8192)
	iso.vm.SetAsyncContextTracker(tracker{iso})
	iso.vm.SetPromiseRejectionTracker(func(pr *goja.Promise, op goja.PromiseRejectionOperation) {
		// Reported at once; a later handler cannot be told apart cheaply.
		if op == goja.PromiseRejectionReject {
			iso.unhandled = append(iso.unhandled, pr)
		} else {
			for j, u := range iso.unhandled {
				if u == pr {
					iso.unhandled = append(iso.unhandled[:j], iso.unhandled[j+1:]...)
					break
				}
			}
		}
	})
	go func() {
		defer close(iso.done)
		iso.loop.run(iso.exec)
	}()
	err := iso.Run(context.Background(), func(vm *goja.Runtime) error { return iso.setup(prelude, prog) })
	return iso, err
}

// setup installs globals, env and modules, then evaluates the worker.
func (iso *Isolate) setup(prelude, prog *goja.Program) error {
	if err := iso.installPrelude(prelude); err != nil {
		return err
	}
	vm := iso.vm
	iso.env = vm.NewObject()
	for name, b := range iso.pool.opts.Env {
		v, err := b.Value(iso)
		if err != nil {
			return fmt.Errorf("binding %s: %w", name, err)
		}
		if err := iso.env.Set(name, v); err != nil {
			return fmt.Errorf("binding %s: %w", name, err)
		}
	}
	mods, err := iso.hooks.moduleMap(goja.Undefined(), iso.env)
	if err != nil {
		return iso.asJSError(err)
	}
	_ = vm.GlobalObject().DefineDataProperty("__valet_modules", mods, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	if iso.pool.opts.NodeCompat {
		// As workerd with nodejs_compat: Buffer and process are globals, and
		// process.env holds the string bindings.
		m := mods.ToObject(vm)
		if proc, ok := m.Get("node:process").(*goja.Object); ok {
			_ = vm.Set("process", proc)
		}
		if buf, ok := m.Get("node:buffer").(*goja.Object); ok {
			_ = vm.Set("Buffer", buf.Get("Buffer"))
		}
		_ = vm.Set("global", vm.GlobalObject())
	}
	if setup := iso.pool.opts.Setup; setup != nil {
		if err := setup(iso); err != nil {
			return err
		}
	}
	if _, err := vm.RunProgram(prog); err != nil {
		return fmt.Errorf("evaluate worker %s: %s", iso.pool.opts.Filename, iso.asJSError(err).String())
	}
	if w, ok := vm.Get("__valet_worker").(*goja.Object); ok {
		iso.worker = w
	}
	var mod goja.Value = goja.Undefined()
	if iso.worker != nil {
		mod = iso.worker
	}
	h, err := iso.hooks.handlerFor(goja.Undefined(), mod, iso.env)
	if err != nil {
		return fmt.Errorf("worker %s: %s", iso.pool.opts.Filename, iso.asJSError(err).String())
	}
	if _, ok := goja.AssertFunction(h); ok {
		iso.fetch = h
	}
	return nil
}

// Isolates lists the pool's isolates (for pinning Durable Objects).
func (p *Pool) Isolates() []*Isolate { return p.isolates }

// Pick returns the isolate serving the fewest requests.
func (p *Pool) Pick() *Isolate {
	best := p.isolates[0]
	bn := best.inflight.Load()
	for _, iso := range p.isolates[1:] {
		if n := iso.inflight.Load(); n < bn {
			best, bn = iso, n
		}
	}
	return best
}

// ServeHTTP calls the worker's default fetch(request, env, ctx).
func (p *Pool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	iso := p.Pick()
	iso.Serve(w, r, nil)
}

var errNoFetch = &JSError{Name: "Error", Message: "the worker has no fetch handler: export default { fetch(request, env, ctx) { ... } }"}

// Close waits for ctx.waitUntil work (at most 30 s), then stops the isolates.
func (p *Pool) Close() error {
	p.closed.Do(func() {
		waited := make(chan struct{})
		go func() { p.work.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(30 * time.Second):
			p.closeErr = errors.New("runtime: waitUntil work still pending after 30s; stopped anyway")
		}
		close(p.stopWD)
		p.stopLoops()
	})
	return p.closeErr
}

func (p *Pool) stopLoops() {
	for _, iso := range p.isolates {
		if iso != nil {
			iso.loop.stop()
		}
	}
	for _, iso := range p.isolates {
		if iso != nil {
			<-iso.done
			// The loop is gone: its WebSockets can no longer be served.
			for _, ep := range iso.sockets {
				ep.stop()
			}
		}
	}
}

// watchdog interrupts jobs that exceed CPUTimeout.
func (p *Pool) watchdog() {
	tick := min(max(p.opts.CPUTimeout/10, time.Millisecond), 100*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-p.stopWD:
			return
		case now := <-t.C:
			for _, iso := range p.isolates {
				iso.watch(now, p.opts.CPUTimeout)
			}
		}
	}
}

func (p *Pool) log(level, msg string) {
	p.opts.Logs.Emit(events.Event{Kind: events.Log, Source: "worker", Step: level, Message: msg})
}
