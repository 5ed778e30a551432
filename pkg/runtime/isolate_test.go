package runtime

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
)

// The extension points pkg/durable builds on: exported classes, Serve with a
// custom call, Go-backed promises, Await, cross-isolate structured clone.
func TestIsolateAPIForDurableObjects(t *testing.T) {
	w := startWorker(t, `
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  n = 0;
  async fetch(req: Request) { this.n++; return new Response("count " + this.n + " " + (await this.ctx.storage.get("k"))); }
  add(a: number, b: { m: Map<string, Date> }) { return { sum: a + 1, keys: [...b.m.keys()], when: b.m.get("t") }; }
}
export default { fetch() { return new Response("main"); } };`, nil)
	p := w.pool
	iso := p.Pick()

	// (a) create an instance pinned to iso, with a Go-backed ctx.
	var inst *goja.Object
	err := iso.Run(context.Background(), func(vm *goja.Runtime) error {
		storage := vm.NewObject()
		_ = storage.Set("get", func(c goja.FunctionCall) goja.Value {
			key := c.Argument(0).String()
			return iso.Go(func() (any, error) { time.Sleep(5 * time.Millisecond); return "stored:" + key, nil })
		})
		ctx := vm.NewObject()
		_ = ctx.Set("storage", storage)
		o, err := vm.New(iso.Export("Counter"), ctx, iso.Env())
		inst = o
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// (b) its fetch through Serve.
	callFetch := func(iso *Isolate, req goja.Value) (goja.Value, error) {
		f, _ := goja.AssertFunction(inst.Get("fetch"))
		return f(inst, req)
	}
	for i := 1; i <= 2; i++ {
		rec := httptest.NewRecorder()
		iso.Serve(rec, httptest.NewRequest("GET", "http://do/x", nil), callFetch)
		if want := "count " + string(rune('0'+i)) + " stored:k"; rec.Body.String() != want {
			t.Fatalf("got %q want %q", rec.Body.String(), want)
		}
	}

	// (b) RPC: arguments cloned from another isolate, result awaited and cloned back.
	other := p.Isolates()[1-iso.ID()]
	var arg string
	if err := other.Run(context.Background(), func(vm *goja.Runtime) error {
		v, err := vm.RunString(`[41, { m: new Map([["t", new Date(7)]]) }]`)
		if err != nil {
			return err
		}
		arg, err = other.Serialize(v)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	result := make(chan string, 1)
	if err := iso.Run(context.Background(), func(vm *goja.Runtime) error {
		args, err := iso.Deserialize(arg)
		if err != nil {
			return err
		}
		add, _ := goja.AssertFunction(inst.Get("add"))
		a := args.ToObject(vm)
		v, err := add(inst, a.Get("0"), a.Get("1"))
		if err != nil {
			return err
		}
		iso.Await(v, func(v goja.Value, err error) {
			s, _ := iso.Serialize(v)
			result <- s
		})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := other.Run(context.Background(), func(vm *goja.Runtime) error {
		v, err := other.Deserialize(<-result)
		if err != nil {
			return err
		}
		o := v.ToObject(vm)
		got = o.Get("sum").String() + " " + o.Get("keys").String() + " " + o.Get("when").ToObject(vm).Get("getTime").String()[:8]
		if o.Get("when").ExportType().String() != "time.Time" {
			return errors.New("when is not a Date: " + o.Get("when").ExportType().String())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got != "42 t function" {
		t.Fatalf("rpc result %q", got)
	}

	// A rejected Go promise reaches JS as an Error.
	errc := make(chan error, 1)
	_ = iso.Run(context.Background(), func(vm *goja.Runtime) error {
		iso.Await(iso.Go(func() (any, error) { return nil, errors.New("disk full") }), func(_ goja.Value, err error) { errc <- err })
		return nil
	})
	if err := <-errc; err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("want the Go error, got %v", err)
	}
}

func TestNewFetcherRoundTripper(t *testing.T) {
	w := startWorker(t, `export default { async fetch(req: Request, env: any) { const r = await env.SVC.fetch("https://svc/hi", { method: "POST", body: "ping" }); return new Response(r.status + " " + await r.text()); } };`,
		func(o *Options) {
			o.Env = map[string]Binding{"SVC": BindingFunc(func(iso *Isolate) (goja.Value, error) {
				return iso.NewFetcher(HandlerTransport(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					w.WriteHeader(202)
					io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(b))
				}))), nil
			})}
		})
	if _, body := w.get(t, "/"); body != "202 POST /hi ping" {
		t.Fatalf("got %q", body)
	}
}
