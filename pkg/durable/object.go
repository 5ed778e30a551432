package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/runtime"
)

// object is one Durable Object instance. Its JS side (holder) lives on one
// isolate; events reach it from any goroutine through acquire/release.
type object struct {
	r               *Registry
	class, id, name string

	mu        sync.Mutex // creation and eviction
	dead      bool
	iso       *runtime.Isolate
	holder    *goja.Object // fetch/rpc/alarm; set and read on iso's loop
	store     *Storage
	container Container

	inflight atomic.Int32
	last     atomic.Int64 // unix nanos of the last event's end
	reset    atomic.Bool  // ctx.abort(): the next event gets a new instance
}

func (o *object) key() string { return o.class + "/" + o.id }

// acquire finds or creates the object and counts an event in flight;
// release ends it.
func (r *Registry) acquire(ctx context.Context, class, id, name string) (*object, error) {
	if !r.classes[class] {
		return nil, fmt.Errorf("no Durable Object class %q is bound (durable_objects.bindings)", class)
	}
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, errors.New("durable objects are shutting down")
		}
		pool := r.pool
		key := class + "/" + id
		o := r.objects[key]
		if o == nil {
			o = &object{r: r, class: class, id: id, name: name}
			r.objects[key] = o
		}
		r.mu.Unlock()
		if pool == nil {
			return nil, errors.New("durable: registry is not attached to a worker pool")
		}
		o.mu.Lock()
		if o.dead {
			o.mu.Unlock()
			continue
		}
		if o.name == "" && name != "" {
			o.name = name
		}
		o.inflight.Add(1)
		if o.reset.CompareAndSwap(true, false) {
			o.holder = nil
		}
		if o.holder == nil {
			if err := o.create(ctx, pool); err != nil {
				o.inflight.Add(-1)
				o.mu.Unlock()
				return nil, err
			}
		}
		o.mu.Unlock()
		return o, nil
	}
}

func (o *object) release() {
	o.last.Store(time.Now().UnixNano())
	o.inflight.Add(-1)
}

// create constructs the instance on an isolate. Caller holds o.mu.
func (o *object) create(ctx context.Context, pool *runtime.Pool) error {
	r := o.r
	if o.iso == nil {
		o.iso = pool.Pick()
	}
	if o.store == nil {
		s, err := r.storageFor(o.class, o.id)
		if err != nil {
			return fmt.Errorf("Durable Object %s: %w", o.class, err)
		}
		o.store = s
	}
	if o.container == nil && r.opts.Containers != nil {
		o.container = r.opts.Containers.For(o.class, o.id)
	}
	err := o.iso.Run(ctx, func(vm *goja.Runtime) error {
		g, err := r.glueFor(o.iso)
		if err != nil {
			return err
		}
		create, _ := goja.AssertFunction(g.Get("create"))
		var c goja.Value = goja.Null()
		if o.container != nil {
			c = r.containerNatives(o.iso, o.container)
		}
		var name goja.Value = goja.Null()
		if o.name != "" {
			name = vm.ToValue(o.name)
		}
		abort := vm.ToValue(func(goja.FunctionCall) goja.Value {
			o.reset.Store(true)
			return goja.Undefined()
		})
		h, err := create(goja.Undefined(), o.iso.Export(o.class), vm.ToValue(o.id), name,
			r.storageNatives(o.iso, o), c, o.iso.Env(), abort)
		if err != nil {
			return jsErr(err)
		}
		o.holder = h.ToObject(vm)
		return nil
	})
	if err != nil {
		return fmt.Errorf("Durable Object %s (%s): constructor: %w", o.class, short(o.id), err)
	}
	o.r.opts.Events.Emit(events.Event{Kind: events.Log, Source: "durable:" + o.class, Step: "debug", Message: "created object " + short(o.id)})
	return nil
}

// serveFetch delivers an HTTP request to the object's fetch().
func (r *Registry) serveFetch(class, id, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		o, err := r.acquire(req.Context(), class, id, name)
		if err != nil {
			r.opts.Events.Emit(events.Event{Kind: events.Log, Source: "durable:" + class, Step: "error", Message: err.Error()})
			http.Error(w, "Error: "+err.Error(), http.StatusInternalServerError)
			return
		}
		defer o.release()
		if req.Host == "" {
			req.Host = req.URL.Host
		}
		o.iso.Serve(w, req, func(iso *runtime.Isolate, jsReq goja.Value) (goja.Value, error) {
			if o.holder == nil {
				return nil, errors.New("Durable Object was reset")
			}
			fetch, _ := goja.AssertFunction(o.holder.Get("fetch"))
			return fetch(o.holder, jsReq)
		})
	})
}

// outcome is a settled event: a serialised value or thrown error.
type outcome struct {
	ser   string
	threw bool
}

// call delivers an RPC operation (a method call or property read at path,
// see runtime.Invoker) to the object, through its input gate.
func (r *Registry) call(ctx context.Context, class, id, name string, path []string, op string, args runtime.Message) (runtime.Message, bool, error) {
	o, err := r.acquire(ctx, class, id, name)
	if err != nil {
		return runtime.Message{}, false, err
	}
	defer o.release()
	return o.iso.Reply(ctx, func(vm *goja.Runtime) (goja.Value, error) {
		if o.holder == nil {
			return nil, errors.New("Durable Object was reset")
		}
		argv, err := o.iso.DeserializeRPC(args)
		if err != nil {
			return nil, err
		}
		list := make([]any, len(path))
		for i, p := range path {
			list[i] = p
		}
		rpc, _ := goja.AssertFunction(o.holder.Get("rpc"))
		return rpc(o.holder, vm.NewArray(list...), argv, vm.ToValue(op))
	})
}

// deliver runs start on the object's loop and waits for the value it
// returns (or the promise's outcome), serialised.
func (o *object) deliver(ctx context.Context, start func(vm *goja.Runtime) (goja.Value, error)) (outcome, error) {
	ch := make(chan outcome, 1)
	iso := o.iso
	send := func(v goja.Value, threw bool) {
		s, err := iso.Serialize(v)
		if err != nil {
			s, threw = serializedError("DataCloneError", err.Error()), true
		}
		ch <- outcome{ser: s, threw: threw}
	}
	ok := iso.Do(func(vm *goja.Runtime) {
		if o.holder == nil {
			ch <- outcome{ser: serializedError("Error", "Durable Object was reset"), threw: true}
			return
		}
		v, err := start(vm)
		if err != nil {
			var exc *goja.Exception
			if errors.As(err, &exc) {
				send(exc.Value(), true)
				return
			}
			ch <- outcome{ser: serializedError("Error", err.Error()), threw: true}
			return
		}
		g, gerr := o.r.glueFor(iso)
		if gerr != nil {
			ch <- outcome{ser: serializedError("Error", gerr.Error()), threw: true}
			return
		}
		settle, _ := goja.AssertFunction(g.Get("settle"))
		cb := vm.ToValue(func(c goja.FunctionCall) goja.Value {
			send(c.Argument(1), c.Argument(0).ToBoolean())
			return goja.Undefined()
		})
		if _, err := settle(goja.Undefined(), v, cb); err != nil {
			ch <- outcome{ser: serializedError("Error", err.Error()), threw: true}
		}
	})
	if !ok {
		return outcome{}, errors.New("the isolate hosting the Durable Object is closed")
	}
	select {
	case res := <-ch:
		return res, nil
	case <-ctx.Done():
		return outcome{}, ctx.Err()
	}
}

// serializedError is an Error in the runtime's structured-clone format.
func serializedError(name, msg string) string {
	b, _ := json.Marshal(map[string]any{"$": "e", "i": 0, "n": name, "m": msg})
	return string(b)
}

// jsErr keeps a JS exception's message readable in Go errors.
func jsErr(err error) error {
	var exc *goja.Exception
	if errors.As(err, &exc) {
		return errors.New(exc.Error())
	}
	return err
}

// errorText reads the message of a serialised thrown value.
func errorText(ser string) string {
	var e struct {
		T string `json:"$"`
		N string `json:"n"`
		M string `json:"m"`
	}
	if json.Unmarshal([]byte(ser), &e) == nil && e.T == "e" {
		return e.N + ": " + e.M
	}
	return ser
}
