package durable

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/dop251/goja"

	"github.com/valet-dev/valet/pkg/runtime"
)

// natives is the D object of durable.js for one isolate: ids, stubs, RPC.
func (r *Registry) natives(iso *runtime.Isolate) *goja.Object {
	vm := iso.Runtime()
	d := vm.NewObject()
	set := func(name string, fn func(c goja.FunctionCall) goja.Value) { _ = d.Set(name, fn) }
	set("idFromName", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(IDFromName(r.nsKey(c.Argument(0).String()), c.Argument(1).String()))
	})
	set("idFromString", func(c goja.FunctionCall) goja.Value {
		class := c.Argument(1).String()
		id, err := ParseID(c.Argument(0).String())
		if err == nil {
			err = r.checkNamespace(class, id)
		}
		if err != nil {
			panic(vm.NewTypeError(err.Error()))
		}
		return vm.ToValue(id)
	})
	set("newUniqueId", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(NewUniqueIDIn(r.nsKey(c.Argument(0).String())))
	})
	set("fetcher", func(c goja.FunctionCall) goja.Value {
		class, id, name := c.Argument(0).String(), c.Argument(1).String(), optString(c.Argument(2))
		return iso.NewFetcher(runtime.HandlerTransport(r.serveFetch(class, id, name)))
	})
	set("stub", func(c goja.FunctionCall) goja.Value {
		class, id, name := c.Argument(1).String(), c.Argument(2).String(), optString(c.Argument(3))
		return iso.NewStub(c.Argument(0), func(ctx context.Context, path []string, op string, args runtime.Message) (runtime.Message, bool, error) {
			if op == "dup" || op == "dispose" {
				return runtime.Message{}, false, nil
			}
			return r.call(ctx, class, id, name, path, op, args)
		})
	})
	set("invoke", func(c goja.FunctionCall) goja.Value {
		v, err := iso.Invoke(c.Argument(0), stringList(vm, c.Argument(1)), c.Argument(2), c.Argument(3).String())
		if err != nil {
			panic(err)
		}
		return v
	})
	return d
}

// checkNamespace refuses a unique id made by another class's namespace.
// Ids from idFromName carry no tag (they must stay what earlier versions
// stored data under), so only unique ids can be told apart.
func (r *Registry) checkNamespace(class, id string) error {
	if hasTag(id, r.nsKey(class)) {
		return nil
	}
	for other := range r.classes {
		if other != class && hasTag(id, r.nsKey(other)) {
			return fmt.Errorf("Invalid Durable Object ID: %s… belongs to the %s namespace, not %s (use it with the binding of %s)", id[:16], other, class, other)
		}
	}
	return nil
}

func optString(v goja.Value) string {
	if v == nil || goja.IsNull(v) || goja.IsUndefined(v) {
		return ""
	}
	return v.String()
}

// storageNatives is the S object of durable.js for one object. Loop only.
func (r *Registry) storageNatives(iso *runtime.Isolate, o *object) *goja.Object {
	vm := iso.Runtime()
	s := o.store
	S := vm.NewObject()
	must := func(err error) {
		if err != nil {
			panic(vm.NewGoError(err))
		}
	}
	ser := func(v goja.Value) string {
		str, err := iso.Serialize(v)
		must(err)
		return str
	}
	de := func(str string) goja.Value {
		v, err := iso.Deserialize(str)
		must(err)
		return v
	}
	pairs := func(list []Entry) goja.Value {
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = vm.NewArray(e.Key, de(e.Value))
		}
		return vm.NewArray(out...)
	}
	set := func(name string, fn func(c goja.FunctionCall) goja.Value) { _ = S.Set(name, fn) }
	set("get", func(c goja.FunctionCall) goja.Value {
		k := c.Argument(0).String()
		m, err := s.Get(k)
		must(err)
		if v, ok := m[k]; ok {
			return de(v)
		}
		return goja.Undefined()
	})
	set("getMany", func(c goja.FunctionCall) goja.Value {
		keys := stringList(vm, c.Argument(0))
		m, err := s.Get(keys...)
		must(err)
		var list []Entry
		for _, k := range keys {
			if v, ok := m[k]; ok {
				list = append(list, Entry{k, v})
			}
		}
		return pairs(list)
	})
	set("put", func(c goja.FunctionCall) goja.Value {
		must(s.Put(Entry{c.Argument(0).String(), ser(c.Argument(1))}))
		return goja.Undefined()
	})
	set("putMany", func(c goja.FunctionCall) goja.Value {
		arr := c.Argument(0).ToObject(vm)
		n := int(arr.Get("length").ToInteger())
		list := make([]Entry, 0, n)
		for i := 0; i < n; i++ {
			kv := arr.Get(strconv.Itoa(i)).ToObject(vm)
			list = append(list, Entry{kv.Get("0").String(), ser(kv.Get("1"))})
		}
		must(s.Put(list...))
		return goja.Undefined()
	})
	set("del", func(c goja.FunctionCall) goja.Value {
		n, err := s.Delete(stringList(vm, c.Argument(0))...)
		must(err)
		return vm.ToValue(n)
	})
	set("deleteAll", func(goja.FunctionCall) goja.Value {
		must(s.DeleteAll())
		return goja.Undefined()
	})
	set("list", func(c goja.FunctionCall) goja.Value {
		list, err := s.List(listOptions(c.Argument(0).ToObject(vm)))
		must(err)
		return pairs(list)
	})
	set("exec", func(c goja.FunctionCall) goja.Value {
		var args []any
		if b, ok := c.Argument(1).(*goja.Object); ok {
			n := int(b.Get("length").ToInteger())
			for i := 0; i < n; i++ {
				args = append(args, sqlArg(b.Get(strconv.Itoa(i))))
			}
		}
		res, err := s.Exec(c.Argument(0).String(), args...)
		must(err)
		rows := make([]any, len(res.Rows))
		for i, row := range res.Rows {
			vals := make([]any, len(row))
			for j, v := range row {
				vals[j] = sqlResult(vm, v)
			}
			rows[i] = vm.NewArray(vals...)
		}
		cols := make([]any, len(res.Columns))
		for i, c := range res.Columns {
			cols[i] = c
		}
		out := vm.NewObject()
		_ = out.Set("columns", vm.NewArray(cols...))
		_ = out.Set("rows", vm.NewArray(rows...))
		_ = out.Set("read", res.RowsRead)
		_ = out.Set("written", res.RowsWritten)
		return out
	})
	set("size", func(goja.FunctionCall) goja.Value {
		n, err := s.DatabaseSize()
		must(err)
		return vm.ToValue(n)
	})
	set("begin", func(goja.FunctionCall) goja.Value { must(s.Begin()); return goja.Undefined() })
	set("commit", func(goja.FunctionCall) goja.Value { must(s.Commit()); return goja.Undefined() })
	set("rollback", func(goja.FunctionCall) goja.Value { must(s.Rollback()); return goja.Undefined() })
	set("getAlarm", func(goja.FunctionCall) goja.Value {
		t, ok := r.alarms.get(o.key())
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(t.UnixMilli())
	})
	set("setAlarm", func(c goja.FunctionCall) goja.Value {
		ms := c.Argument(0).ToFloat()
		must(r.alarms.set(o.class, o.id, o.name, time.UnixMilli(int64(ms))))
		return goja.Undefined()
	})
	set("deleteAlarm", func(goja.FunctionCall) goja.Value {
		must(r.alarms.clear(o.key()))
		return goja.Undefined()
	})
	return S
}

// containerNatives is the C object of durable.js for one object's container.
func (r *Registry) containerNatives(iso *runtime.Isolate, c Container) *goja.Object {
	vm := iso.Runtime()
	C := vm.NewObject()
	set := func(name string, fn func(c goja.FunctionCall) goja.Value) { _ = C.Set(name, fn) }
	set("running", func(goja.FunctionCall) goja.Value { return vm.ToValue(c.Running()) })
	set("start", func(call goja.FunctionCall) goja.Value {
		o := call.Argument(0).ToObject(vm)
		opts := StartOptions{Env: map[string]string{}, Labels: map[string]string{}, EnableInternet: o.Get("enableInternet").ToBoolean()}
		for _, m := range []struct {
			key string
			dst map[string]string
		}{{"env", opts.Env}, {"labels", opts.Labels}} {
			if e, ok := o.Get(m.key).(*goja.Object); ok {
				for _, k := range e.Keys() {
					m.dst[k] = e.Get(k).String()
				}
			}
		}
		opts.Entrypoint = stringList(vm, o.Get("entrypoint"))
		if err := c.Start(opts); err != nil {
			panic(vm.NewGoError(err))
		}
		return goja.Undefined()
	})
	set("monitor", func(goja.FunctionCall) goja.Value {
		wait := c.Monitor()
		return iso.Go(func() (any, error) { return nil, wait(context.Background()) })
	})
	set("destroy", func(goja.FunctionCall) goja.Value {
		return iso.Go(func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return nil, c.Destroy(ctx)
		})
	})
	set("signal", func(call goja.FunctionCall) goja.Value {
		if err := c.Signal(int(call.Argument(0).ToInteger())); err != nil {
			panic(vm.NewGoError(err))
		}
		return goja.Undefined()
	})
	set("port", func(call goja.FunctionCall) goja.Value {
		return iso.NewFetcher(c.Transport(int(call.Argument(0).ToInteger())))
	})
	return C
}

func stringList(vm *goja.Runtime, v goja.Value) []string {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil
	}
	n := int(o.Get("length").ToInteger())
	out := make([]string, n)
	for i := range out {
		out[i] = o.Get(strconv.Itoa(i)).String()
	}
	return out
}

func listOptions(o *goja.Object) ListOptions {
	var l ListOptions
	str := func(k string) (string, bool) {
		v := o.Get(k)
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return "", false
		}
		return v.String(), true
	}
	l.Prefix, _ = str("prefix")
	l.Start, l.HasStart = str("start")
	l.End, l.HasEnd = str("end")
	l.StartAfter, l.HasAfter = str("startAfter")
	l.Reverse = o.Get("reverse") != nil && o.Get("reverse").ToBoolean()
	if v := o.Get("limit"); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
		l.Limit = int(v.ToInteger())
	}
	return l
}

func sqlArg(v goja.Value) any {
	if v == nil || goja.IsNull(v) || goja.IsUndefined(v) {
		return nil
	}
	switch x := v.Export().(type) {
	case int64, string, bool:
		return x
	case float64:
		if x == float64(int64(x)) && x < 1<<53 && x > -(1<<53) {
			return int64(x)
		}
		return x
	case []byte:
		return append([]byte(nil), x...)
	case goja.ArrayBuffer:
		return append([]byte(nil), x.Bytes()...)
	default:
		return v.String()
	}
}

func sqlResult(vm *goja.Runtime, v any) any {
	switch x := v.(type) {
	case []byte:
		return vm.NewArrayBuffer(append([]byte(nil), x...))
	case nil:
		return goja.Null()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	default:
		return x
	}
}
