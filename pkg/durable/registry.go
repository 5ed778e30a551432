package durable

import (
	_ "embed"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/runtime"
)

//go:embed js/durable.js
var glueSource string

// Binding binds the namespace of Class to env[Name].
type Binding struct {
	Name  string
	Class string
}

// Options configure a Registry.
type Options struct {
	// App names the app; with the class it keys idFromName, so ids are
	// stable across restarts (and differ between apps).
	App string
	// PersistTo is the state directory (valet dev's --persist-to); objects
	// live in <PersistTo>/do/<Class>/<id>.sqlite. "" keeps them in memory.
	PersistTo string
	Bindings  []Binding
	// Classes lists classes to serve beyond those bound (containers[]).
	Classes    []string
	Containers Containers // nil: no class has containers
	Events     *events.Emitter
	// IdleTimeout evicts an object with no event, no alarm and no running
	// container for that long (its storage stays). 0: 70s.
	IdleTimeout time.Duration
	// AlarmRetryBase is the first retry delay of a failed alarm(); it
	// doubles on each of the (at most 6) retries. 0: 2s.
	AlarmRetryBase time.Duration
}

// Registry holds the Durable Object namespaces of one app version: it hands
// namespaces to the worker, creates objects on demand (each pinned to one
// isolate), delivers their events, stores their data and fires their alarms.
type Registry struct {
	opts    Options
	prog    *goja.Program
	classes map[string]bool

	mu      sync.Mutex
	pool    *runtime.Pool
	glue    map[*runtime.Isolate]*goja.Object
	objects map[string]*object
	mem     map[string]*Storage // in-memory storage outlives eviction
	closed  bool

	alarms *alarms
	stop   chan struct{}
	done   sync.WaitGroup
}

// New opens the registry's alarm index and starts its alarm and eviction
// loops. Call Attach with the worker's pool before serving.
func New(opts Options) (*Registry, error) {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 70 * time.Second
	}
	if opts.AlarmRetryBase <= 0 {
		opts.AlarmRetryBase = 2 * time.Second
	}
	prog, err := goja.Compile("valet:durable.js", glueSource, true)
	if err != nil {
		return nil, fmt.Errorf("durable: compile glue: %w", err)
	}
	r := &Registry{
		opts: opts, prog: prog, classes: map[string]bool{},
		glue: map[*runtime.Isolate]*goja.Object{}, objects: map[string]*object{}, mem: map[string]*Storage{},
		stop: make(chan struct{}),
	}
	for _, b := range opts.Bindings {
		if b.Class == "" {
			return nil, fmt.Errorf("durable_objects binding %q has no class_name", b.Name)
		}
		r.classes[b.Class] = true
	}
	for _, c := range opts.Classes {
		r.classes[c] = true
	}
	idx := ""
	if opts.PersistTo != "" {
		idx = filepath.Join(opts.PersistTo, "do", "index.sqlite")
	}
	r.alarms, err = openAlarms(r, idx)
	if err != nil {
		return nil, err
	}
	r.done.Add(1)
	go r.evictLoop()
	return r, nil
}

// Bindings are the env entries of the namespaces, for runtime.Options.Env.
func (r *Registry) Bindings() map[string]runtime.Binding {
	out := map[string]runtime.Binding{}
	for _, b := range r.opts.Bindings {
		class := b.Class
		out[b.Name] = runtime.BindingFunc(func(iso *runtime.Isolate) (goja.Value, error) {
			g, err := r.glueFor(iso)
			if err != nil {
				return nil, err
			}
			ns, _ := goja.AssertFunction(g.Get("namespace"))
			return ns(goja.Undefined(), iso.Runtime().ToValue(class), iso.Runtime().ToValue(class))
		})
	}
	return out
}

// Attach gives the registry the pool whose isolates host the objects.
func (r *Registry) Attach(p *runtime.Pool) {
	r.mu.Lock()
	first := r.pool == nil && !r.closed
	r.pool = p
	// ctx.exports.<Class> is the namespace of a Durable Object class
	// (wrangler's enable_ctx_exports; @cloudflare/containers reads it).
	p.SetExports(func(iso *runtime.Isolate, name string) (goja.Value, error) {
		if !r.classes[name] {
			return nil, nil
		}
		g, err := r.glueFor(iso)
		if err != nil {
			return nil, err
		}
		ns, _ := goja.AssertFunction(g.Get("namespace"))
		return ns(goja.Undefined(), iso.Runtime().ToValue(name), iso.Runtime().ToValue(name))
	})
	if first {
		// Alarms fire only once there are isolates to wake objects on.
		r.done.Add(1)
		go r.alarms.loop()
	}
	r.mu.Unlock()
}

// nsKey keys idFromName: the app and the class.
func (r *Registry) nsKey(class string) string { return r.opts.App + "\x00" + class }

// glueFor installs the JS side on an isolate once. Loop only.
func (r *Registry) glueFor(iso *runtime.Isolate) (*goja.Object, error) {
	r.mu.Lock()
	g := r.glue[iso]
	r.mu.Unlock()
	if g != nil {
		return g, nil
	}
	vm := iso.Runtime()
	fn, err := vm.RunProgram(r.prog)
	if err != nil {
		return nil, fmt.Errorf("durable: install glue: %w", err)
	}
	call, _ := goja.AssertFunction(fn)
	v, err := call(goja.Undefined(), r.natives(iso))
	if err != nil {
		return nil, fmt.Errorf("durable: install glue: %w", err)
	}
	g = v.ToObject(vm)
	r.mu.Lock()
	r.glue[iso] = g
	r.mu.Unlock()
	return g, nil
}

// storageFor opens an object's storage (or finds its in-memory one).
func (r *Registry) storageFor(class, id string) (*Storage, error) {
	if r.opts.PersistTo == "" {
		r.mu.Lock()
		defer r.mu.Unlock()
		key := class + "/" + id
		if s := r.mem[key]; s != nil {
			return s, nil
		}
		s, err := OpenStorage("")
		if err != nil {
			return nil, err
		}
		r.mem[key] = s
		return s, nil
	}
	return OpenStorage(filepath.Join(r.opts.PersistTo, "do", safeName(class), id+".sqlite"))
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Objects lists the live objects as "Class/id", sorted (for tests and the dashboard).
func (r *Registry) Objects() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.objects))
	for k := range r.objects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// evictLoop drops idle objects from memory.
func (r *Registry) evictLoop() {
	defer r.done.Done()
	tick := min(max(r.opts.IdleTimeout/4, 10*time.Millisecond), 5*time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			r.evictIdle(now)
		}
	}
}

func (r *Registry) evictIdle(now time.Time) {
	r.mu.Lock()
	list := make([]*object, 0, len(r.objects))
	for _, o := range r.objects {
		list = append(list, o)
	}
	r.mu.Unlock()
	for _, o := range list {
		if now.Sub(time.Unix(0, o.last.Load())) < r.opts.IdleTimeout || o.inflight.Load() > 0 {
			continue
		}
		if c := o.container; c != nil && c.Running() {
			continue
		}
		if r.alarms.running(o.key()) {
			continue
		}
		r.evict(o, false)
	}
}

// evict drops o from memory when nothing uses it (or always, with force).
func (r *Registry) evict(o *object, force bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead || (!force && o.inflight.Load() > 0) {
		return
	}
	o.dead = true
	r.mu.Lock()
	if r.objects[o.key()] == o {
		delete(r.objects, o.key())
	}
	r.mu.Unlock()
	o.holder = nil
	if o.store != nil && r.opts.PersistTo != "" {
		_ = o.store.Close()
	}
	r.opts.Events.Emit(events.Event{Kind: events.Log, Source: "durable:" + o.class, Step: "debug", Message: "evicted idle object " + short(o.id)})
}

// Close stops alarms and eviction and closes every object's storage. The
// pool is the caller's to close.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	list := make([]*object, 0, len(r.objects))
	for _, o := range r.objects {
		list = append(list, o)
	}
	mem := r.mem
	r.mu.Unlock()
	close(r.stop)
	r.done.Wait()
	var errs []error
	for _, o := range list {
		o.mu.Lock()
		o.dead = true
		if o.store != nil && r.opts.PersistTo != "" {
			errs = append(errs, o.store.Close())
		}
		o.mu.Unlock()
	}
	for _, s := range mem {
		errs = append(errs, s.Close())
	}
	errs = append(errs, r.alarms.close())
	return errors.Join(errs...)
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
