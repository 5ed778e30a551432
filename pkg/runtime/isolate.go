package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// Isolate is one JavaScript VM and the goroutine that runs its event loop.
// Everything that touches the VM runs on that goroutine: post work with Do
// or Run; inside such work, Runtime, Await, Go and the converters may be used.
type Isolate struct {
	pool *Pool
	id   int
	vm   *goja.Runtime
	loop *loop
	done chan struct{}

	hooks  hooks
	u8     goja.Value // the Uint8Array constructor
	env    *goja.Object
	worker *goja.Object
	fetch  goja.Value // (request, ctx) => Response | Promise, nil without a fetch handler
	start  time.Time

	inflight atomic.Int32

	// Loop goroutine only.
	base, cur *asyncCtx
	reqs      map[int64]*reqState
	handles   map[int64]*handle
	fetchers  []http.RoundTripper
	aborts    map[int64]context.CancelFunc
	nextID    int64
	unhandled []*goja.Promise
	urlCache  map[string]goja.Value
	sockets   map[int64]*wsEndpoint
	rpc       rpcState

	// The CPU watchdog and the loop agree on interrupts under wdMu.
	wdMu        sync.Mutex
	jobStart    time.Time
	interrupted bool
}

// hooks are the prelude's functions Go calls.
type hooks struct {
	incoming, settle, serve, finish, pull, handlerFor, moduleMap, fetcher, serialize, deserialize, formatError goja.Callable
	runScheduled                                                                                               goja.Callable
	wsEvent, wsBind                                                                                            goja.Callable
	rpcSerialize, rpcDeserialize, rpcInvoke, newEntrypoint, newStub                                            goja.Callable
	execCtx                                                                                                    *goja.Object
}

// asyncCtx is what follows a chain of callbacks: the request it serves (for
// errors and time limits) and the AsyncLocalStorage frame.
type asyncCtx struct {
	req *reqState
	als goja.Value
}

// tracker implements goja.AsyncContextTracker so that promise reactions run
// in the context in which they were registered.
type tracker struct{ iso *Isolate }

func (t tracker) Grab() any { return t.iso.cur }
func (t tracker) Resumed(v any) {
	c, _ := v.(*asyncCtx)
	t.iso.cur = c
}
func (t tracker) Exited() { t.iso.cur = t.iso.base }

// ID is the isolate's index in its pool.
func (iso *Isolate) ID() int { return iso.id }

// Runtime is the VM. Use it only inside work run on the loop.
func (iso *Isolate) Runtime() *goja.Runtime { return iso.vm }

// Env is the env object handed to the worker. Loop only.
func (iso *Isolate) Env() *goja.Object { return iso.env }

// Export returns one of the worker's exports (e.g. a Durable Object class), or
// undefined. Loop only.
func (iso *Isolate) Export(name string) goja.Value {
	if iso.worker == nil {
		return goja.Undefined()
	}
	return iso.worker.Get(name)
}

// Inflight is the number of requests the isolate is serving.
func (iso *Isolate) Inflight() int { return int(iso.inflight.Load()) }

// Do runs fn on the isolate's loop and returns at once. It reports false when
// the isolate is closed.
func (iso *Isolate) Do(fn func(vm *goja.Runtime)) bool {
	return iso.loop.post(func() {
		iso.enter(nil)
		fn(iso.vm)
	})
}

// Run runs fn on the loop and waits for it (or for ctx).
func (iso *Isolate) Run(ctx context.Context, fn func(vm *goja.Runtime) error) error {
	errc := make(chan error, 1)
	if !iso.loop.post(func() {
		iso.enter(nil)
		errc <- fn(iso.vm)
	}) {
		return errors.New("isolate is closed")
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Await calls cb with v's settled value: at once for a plain value, later (on
// the loop) for a promise or thenable. A rejection becomes a *JSError. Loop only.
func (iso *Isolate) Await(v goja.Value, cb func(goja.Value, error)) {
	obj, ok := v.(*goja.Object)
	if !ok {
		cb(v, nil)
		return
	}
	then, ok := goja.AssertFunction(obj.Get("then"))
	if !ok {
		cb(v, nil)
		return
	}
	once := false
	onOK := iso.vm.ToValue(func(c goja.FunctionCall) goja.Value {
		if !once {
			once = true
			cb(c.Argument(0), nil)
		}
		return goja.Undefined()
	})
	onErr := iso.vm.ToValue(func(c goja.FunctionCall) goja.Value {
		if !once {
			once = true
			cb(nil, iso.jsError(c.Argument(0)))
		}
		return goja.Undefined()
	})
	if _, err := then(obj, onOK, onErr); err != nil && !once {
		once = true
		cb(nil, iso.asJSError(err))
	}
}

// Go runs work on its own goroutine and returns a promise that settles on
// the loop: resolved with vm.ToValue of the result, or rejected with an Error
// carrying err's message. This is how Go-backed APIs (storage, containers)
// stay asynchronous. Loop only.
func (iso *Isolate) Go(work func() (any, error)) goja.Value {
	return iso.GoValue(func() (func(vm *goja.Runtime) (goja.Value, error), error) {
		v, err := work()
		if err != nil {
			return nil, err
		}
		return func(vm *goja.Runtime) (goja.Value, error) { return vm.ToValue(v), nil }, nil
	})
}

// GoValue is Go for results that must be built on the loop (JS objects).
func (iso *Isolate) GoValue(work func() (func(vm *goja.Runtime) (goja.Value, error), error)) goja.Value {
	p, resolve, reject := iso.vm.NewPromise()
	c := iso.cur
	go func() {
		build, err := work()
		iso.loop.post(func() {
			iso.enter(c)
			var v goja.Value
			if err == nil {
				v, err = build(iso.vm)
			}
			if err != nil {
				iso.check(reject(iso.vm.NewGoError(err)))
				return
			}
			iso.check(resolve(v))
		})
	}()
	return iso.vm.ToValue(p)
}

// NewFetcher returns a JS Fetcher (an object with fetch()) whose requests go
// to rt: a service binding, or a Durable Object stub's fetch. Loop only.
func (iso *Isolate) NewFetcher(rt http.RoundTripper) goja.Value {
	iso.fetchers = append(iso.fetchers, rt)
	v, err := iso.hooks.fetcher(goja.Undefined(), iso.vm.ToValue(len(iso.fetchers)))
	if err != nil {
		panic(err)
	}
	return v
}

// Serialize structured-clones v into a string that Deserialize rebuilds in
// any isolate (Durable Object RPC arguments and results). Loop only.
func (iso *Isolate) Serialize(v goja.Value) (string, error) {
	s, err := iso.hooks.serialize(goja.Undefined(), v)
	if err != nil {
		return "", iso.asJSError(err)
	}
	return s.String(), nil
}

// Deserialize is the inverse of Serialize. Loop only.
func (iso *Isolate) Deserialize(s string) (goja.Value, error) {
	v, err := iso.hooks.deserialize(goja.Undefined(), iso.vm.ToValue(s))
	if err != nil {
		return nil, iso.asJSError(err)
	}
	return v, nil
}

// enter makes c the context of the job about to run.
func (iso *Isolate) enter(c *asyncCtx) {
	iso.base, iso.cur = c, c
}

// exec runs one job, watched by the CPU watchdog.
func (iso *Isolate) exec(fn func()) {
	iso.wdMu.Lock()
	iso.jobStart = time.Now()
	iso.wdMu.Unlock()
	fn()
	for _, pr := range iso.unhandled {
		iso.pool.log("error", "Uncaught (in promise) "+iso.jsError(pr.Result()).String())
	}
	iso.unhandled = iso.unhandled[:0]
	iso.wdMu.Lock()
	iso.jobStart = time.Time{}
	if iso.interrupted {
		iso.interrupted = false
		iso.vm.ClearInterrupt()
	}
	iso.wdMu.Unlock()
	iso.base, iso.cur = nil, nil
}

// watch interrupts the job if it ran longer than limit. Watchdog goroutine.
func (iso *Isolate) watch(now time.Time, limit time.Duration) {
	iso.wdMu.Lock()
	if !iso.jobStart.IsZero() && !iso.interrupted && now.Sub(iso.jobStart) > limit {
		iso.interrupted = true
		iso.vm.Interrupt(errTimeLimit)
	}
	iso.wdMu.Unlock()
}

// check deals with an error that escaped to the top of a job: a time-limit
// interrupt fails the request being served; anything else is logged.
func (iso *Isolate) check(err error) {
	if err == nil {
		return
	}
	var intr *goja.InterruptedError
	if errors.As(err, &intr) {
		if c := iso.cur; c != nil && c.req != nil {
			c.req.fail(&JSError{Message: errTimeLimit})
		} else if c := iso.base; c != nil && c.req != nil {
			c.req.fail(&JSError{Message: errTimeLimit})
		}
		iso.pool.log("error", errTimeLimit)
		return
	}
	iso.pool.log("error", "Uncaught "+iso.asJSError(err).String())
}

// call invokes fn and sends escaping errors to check.
func (iso *Isolate) call(fn goja.Callable, this goja.Value, args ...goja.Value) goja.Value {
	v, err := fn(this, args...)
	iso.check(err)
	return v
}

func (iso *Isolate) newID() int64 {
	iso.nextID++
	return iso.nextID
}

// bytes makes a Uint8Array holding b (not copied).
func (iso *Isolate) bytes(b []byte) goja.Value {
	ab := iso.vm.NewArrayBuffer(b)
	o, err := iso.vm.New(iso.u8, iso.vm.ToValue(ab))
	if err != nil {
		panic(err)
	}
	return o
}

// handle is a Go-side HTTP message part the worker reaches by id: the
// headers and body of an incoming request or of a fetch response.
type handle struct {
	hdr   http.Header
	body  io.ReadCloser
	owner *reqState
	busy  bool
	abort *goja.Object // the AbortController of request.signal, once the worker read it
}

func (iso *Isolate) addHandle(h *handle) int64 {
	id := iso.newID()
	iso.handles[id] = h
	if h.owner != nil {
		h.owner.handles = append(h.owner.handles, id)
	}
	return id
}

// takeBody hands a handle's body over to Go code that will stream it.
func (iso *Isolate) takeBody(id int64) (io.ReadCloser, error) {
	h := iso.handles[id]
	if h == nil || h.body == nil {
		return nil, fmt.Errorf("body %d is gone (read after its request ended?)", id)
	}
	if h.busy {
		return nil, errors.New("body is being read")
	}
	b := h.body
	h.body = nil
	return b, nil
}
