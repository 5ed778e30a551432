package runtime

import (
	"context"
	"errors"

	"github.com/dop251/goja"
)

// Message is a value in flight between isolates (Workers RPC): its
// structured-clone text and the isolate that owns the functions, RpcTargets
// and streams it references. Deserializing it on another isolate turns each
// reference into a stub whose calls run back on From.
type Message struct {
	Data string
	From *Isolate
	refs []int64 // exports made for this message, released by Release
}

// Release drops the references the sender exported for m. The platform
// disposes stubs received as call arguments when the call returns, unless
// the callee dup()ed them; callers release argument messages after the
// call settles. Any goroutine.
func (m Message) Release() {
	if m.From == nil || len(m.refs) == 0 {
		return
	}
	from, refs := m.From, m.refs
	from.Do(func(*goja.Runtime) { from.releaseRefs(refs) })
}

// Invoker carries one stub operation to its target, on its own goroutine:
// op is "call" (path is the method), "get" (read the property at path),
// "dup" or "dispose" (args empty, result ignored; these run on the caller's
// loop and must not block). threw reports that res is the thrown value.
type Invoker func(ctx context.Context, path []string, op string, args Message) (res Message, threw bool, err error)

// rpcState is an isolate's side of RPC. Loop only.
type rpcState struct {
	exports map[int64]*rpcExport
	next    int64
	from    *Isolate // the sender of the message being deserialized
	made    []int64  // exports of the message being serialized
}

type rpcExport struct {
	v    goja.Value
	refs int
}

// SerializeRPC serialises v for an RPC call or result: structured clone plus
// references and Request/Response/Headers/ReadableStream. Loop only.
func (iso *Isolate) SerializeRPC(v goja.Value) (Message, error) {
	prev := iso.rpc.made
	iso.rpc.made = nil
	s, err := iso.hooks.rpcSerialize(goja.Undefined(), v)
	m := Message{From: iso, refs: iso.rpc.made}
	iso.rpc.made = prev
	if err != nil {
		iso.releaseRefs(m.refs)
		return Message{}, iso.asJSError(err)
	}
	m.Data = s.String()
	return m, nil
}

// DeserializeRPC rebuilds m on this isolate. Loop only.
func (iso *Isolate) DeserializeRPC(m Message) (goja.Value, error) {
	prev := iso.rpc.from
	iso.rpc.from = m.From
	defer func() { iso.rpc.from = prev }()
	v, err := iso.hooks.rpcDeserialize(goja.Undefined(), iso.vm.ToValue(m.Data))
	if err != nil {
		return nil, iso.asJSError(err)
	}
	return v, nil
}

// Invoke runs an RPC operation that arrived for target on this isolate:
// op "call" calls the method at path with args (an array), "get" reads the
// property. A missing method throws the platform's TypeError. Loop only.
func (iso *Isolate) Invoke(target goja.Value, path []string, args goja.Value, op string) (goja.Value, error) {
	list := make([]any, len(path))
	for i, p := range path {
		list[i] = p
	}
	if args == nil || goja.IsUndefined(args) {
		args = iso.vm.NewArray()
	}
	return iso.hooks.rpcInvoke(goja.Undefined(), target, iso.vm.NewArray(list...), args, iso.vm.ToValue(op))
}

// NewStub makes an RPC stub on this isolate whose operations go to inv;
// base's own properties (a Durable Object stub's id, name, fetch) win over
// RPC. Loop only.
func (iso *Isolate) NewStub(base goja.Value, inv Invoker) goja.Value {
	if base == nil {
		base = goja.Undefined()
	}
	v, err := iso.hooks.newStub(goja.Undefined(), iso.invoker(inv), base)
	if err != nil {
		panic(err)
	}
	return v
}

// Reply runs start on the loop and waits for its value, or the promise's
// outcome, serialised for the caller. Any goroutine but the loop's.
func (iso *Isolate) Reply(ctx context.Context, start func(vm *goja.Runtime) (goja.Value, error)) (Message, bool, error) {
	type result struct {
		m     Message
		threw bool
	}
	ch := make(chan result, 1)
	send := func(v goja.Value, threw bool) {
		m, err := iso.SerializeRPC(v)
		if err != nil {
			m, _ = iso.SerializeRPC(iso.domException(err.Error(), "DataCloneError"))
			threw = true
		}
		ch <- result{m, threw}
	}
	ok := iso.Do(func(vm *goja.Runtime) {
		v, err := start(vm)
		if err != nil {
			var exc *goja.Exception
			if errors.As(err, &exc) {
				send(exc.Value(), true)
			} else {
				send(vm.NewGoError(err), true)
			}
			return
		}
		obj, isObj := v.(*goja.Object)
		var then goja.Callable
		if isObj {
			then, _ = goja.AssertFunction(obj.Get("then"))
		}
		if then == nil {
			send(v, false)
			return
		}
		done := false
		once := func(threw bool) goja.Value {
			return vm.ToValue(func(c goja.FunctionCall) goja.Value {
				if !done {
					done = true
					send(c.Argument(0), threw)
				}
				return goja.Undefined()
			})
		}
		if _, err := then(obj, once(false), once(true)); err != nil && !done {
			done = true
			send(vm.NewGoError(err), true)
		}
	})
	if !ok {
		return Message{}, false, errors.New("the isolate serving the RPC call is closed")
	}
	select {
	case r := <-ch:
		return r.m, r.threw, nil
	case <-ctx.Done():
		return Message{}, false, ctx.Err()
	}
}

// invoker is the JS function (path, args, op) → promise behind a stub.
func (iso *Isolate) invoker(inv Invoker) goja.Value {
	vm := iso.vm
	return vm.ToValue(func(c goja.FunctionCall) goja.Value {
		path := iso.argStrings(c.Argument(0))
		op := c.Argument(2).String()
		if op == "dup" || op == "dispose" {
			// Synchronous, so that a dup() made during a call is counted
			// before the call's arguments are released.
			_, _, _ = inv(context.Background(), path, op, Message{})
			return goja.Undefined()
		}
		args, err := iso.SerializeRPC(c.Argument(1))
		if err != nil {
			p, _, reject := vm.NewPromise()
			_ = reject(iso.errorValue(err))
			return vm.ToValue(p)
		}
		return iso.GoValue(func() (func(vm *goja.Runtime) (goja.Value, error), error) {
			res, threw, err := inv(context.Background(), path, op, args)
			args.Release()
			if err != nil {
				return nil, err
			}
			return func(vm *goja.Runtime) (goja.Value, error) {
				v, err := iso.DeserializeRPC(res)
				if err != nil {
					return nil, err
				}
				if !threw {
					return v, nil
				}
				// Resolving with a rejected promise rejects with the
				// callee's own error value.
				p, _, reject := vm.NewPromise()
				_ = reject(v)
				return vm.ToValue(p), nil
			}, nil
		})
	})
}

// errorValue is the JS value to reject with for err.
func (iso *Isolate) errorValue(err error) goja.Value {
	var je *JSError
	if errors.As(err, &je) {
		if je.Name == "DataCloneError" {
			return iso.domException(je.Message, je.Name)
		}
		if e, xerr := iso.vm.New(iso.vm.Get("Error"), iso.vm.ToValue(je.Message)); xerr == nil {
			if je.Name != "" {
				_ = e.Set("name", je.Name)
			}
			return e
		}
	}
	return iso.vm.NewGoError(err)
}

// rpcNatives adds the RPC natives to N.
func (iso *Isolate) rpcNatives(n *goja.Object) {
	vm := iso.vm
	_ = n.Set("rpcExport", func(c goja.FunctionCall) goja.Value {
		if iso.rpc.exports == nil {
			iso.rpc.exports = map[int64]*rpcExport{}
		}
		iso.rpc.next++
		k := iso.rpc.next
		iso.rpc.exports[k] = &rpcExport{v: c.Argument(0), refs: 1}
		iso.rpc.made = append(iso.rpc.made, k)
		return vm.ToValue(k)
	})
	_ = n.Set("rpcStub", func(c goja.FunctionCall) goja.Value {
		from := iso.rpc.from
		if from == nil {
			panic(vm.NewTypeError("RPC reference outside of an RPC message"))
		}
		return iso.invoker(from.exportInvoker(c.Argument(0).ToInteger()))
	})
	_ = n.Set("entrypointStub", func(c goja.FunctionCall) goja.Value {
		return iso.invoker(iso.entrypointInvoker(c.Argument(0).String()))
	})
	_ = n.Set("exportValue", func(c goja.FunctionCall) goja.Value {
		fn := iso.pool.exportsFunc()
		if fn == nil {
			return goja.Null()
		}
		v, err := fn(iso, c.Argument(0).String())
		if err != nil {
			panic(iso.errorValue(err))
		}
		if v == nil || goja.IsUndefined(v) {
			return goja.Null()
		}
		return v
	})
}

// exportInvoker reaches export k of iso (the isolate that exported it).
func (iso *Isolate) exportInvoker(k int64) Invoker {
	return func(ctx context.Context, path []string, op string, args Message) (Message, bool, error) {
		switch op {
		case "dup":
			iso.Do(func(*goja.Runtime) {
				if e := iso.rpc.exports[k]; e != nil {
					e.refs++
				}
			})
			return Message{}, false, nil
		case "dispose":
			iso.Do(func(*goja.Runtime) { iso.releaseRefs([]int64{k}) })
			return Message{}, false, nil
		}
		return iso.Reply(ctx, func(vm *goja.Runtime) (goja.Value, error) {
			e := iso.rpc.exports[k]
			if e == nil {
				return nil, errors.New("RPC stub used after it was disposed (stubs received as arguments last until the call returns; keep one with stub.dup())")
			}
			argv, err := iso.DeserializeRPC(args)
			if err != nil {
				return nil, err
			}
			return iso.Invoke(e.v, path, argv, op)
		})
	}
}

// entrypointInvoker calls a new instance of the worker's WorkerEntrypoint
// class name for every call (ctx.exports.Name), on this isolate.
func (iso *Isolate) entrypointInvoker(name string) Invoker {
	return func(ctx context.Context, path []string, op string, args Message) (Message, bool, error) {
		if op == "dup" || op == "dispose" {
			return Message{}, false, nil
		}
		return iso.Reply(ctx, func(vm *goja.Runtime) (goja.Value, error) {
			inst, err := iso.hooks.newEntrypoint(goja.Undefined(), vm.ToValue(name), iso.env)
			if err != nil {
				return nil, err
			}
			argv, err := iso.DeserializeRPC(args)
			if err != nil {
				return nil, err
			}
			return iso.Invoke(inst, path, argv, op)
		})
	}
}

func (iso *Isolate) releaseRefs(refs []int64) {
	for _, k := range refs {
		if e := iso.rpc.exports[k]; e != nil {
			if e.refs--; e.refs <= 0 {
				delete(iso.rpc.exports, k)
			}
		}
	}
}

// ExportsFunc resolves ctx.exports.<name> for exports that are not
// WorkerEntrypoint classes (pkg/durable: Durable Object namespaces). It runs
// on iso's loop; nil means the export has no ctx.exports entry.
type ExportsFunc func(iso *Isolate, name string) (goja.Value, error)

// SetExports installs fn for ctx.exports (before serving).
func (p *Pool) SetExports(fn ExportsFunc) {
	p.expMu.Lock()
	p.exports = fn
	p.expMu.Unlock()
}

func (p *Pool) exportsFunc() ExportsFunc {
	if p == nil {
		return nil
	}
	p.expMu.Lock()
	defer p.expMu.Unlock()
	return p.exports
}
