package durable

import (
	"strings"
	"sync"
	"testing"
	"time"
)

const counterWorker = `
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.boots = 0;
    ctx.blockConcurrencyWhile(async () => {
      this.boots = ((await ctx.storage.get("boots")) || 0) + 1;
      await ctx.storage.put("boots", this.boots);
    });
  }
  async fetch(request) {
    const n = ((await this.ctx.storage.get("n")) || 0) + 1;
    await this.ctx.storage.put("n", n);
    const url = new URL(request.url);
    return Response.json({ n, boots: this.boots, id: this.ctx.id.toString(), name: this.ctx.id.name, path: url.pathname, host: url.host, method: request.method, body: await request.text() });
  }
  add(a, b) { return { sum: a + b, when: new Date(0), bytes: new Uint8Array([1, 2]) }; }
  async fail(msg) { throw new RangeError(msg); }
  unclonable() { return new WeakMap(); }
  whoami() { return this.ctx.id.name + ":" + this.env.GREETING; }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const ns = env.COUNTER;
    const name = url.searchParams.get("name") || "a";
    switch (url.pathname) {
      case "/ids": {
        const a = ns.idFromName("x"), b = ns.idFromName("x"), u = ns.newUniqueId();
        let bad = "";
        try { ns.idFromString("nope"); } catch (e) { bad = e.message; }
        return Response.json({ a: a.toString(), eq: a.equals(b), name: a.name, u: u.toString(), ne: a.equals(u),
          round: ns.idFromString(a.toString()).equals(a), bad });
      }
      case "/rpc": {
        const stub = ns.getByName(name);
        const r = await stub.add(2, 3);
        let err = "";
        try { await stub.fail("too big"); } catch (e) { err = e.name + ": " + e.message + " " + (e instanceof RangeError); }
        let clone = "";
        try { await stub.unclonable(); } catch (e) { clone = e.name; }
        let missing = "";
        try { await stub.nope(); } catch (e) { missing = e.message; }
        return Response.json({ sum: r.sum, date: r.when instanceof Date, bytes: Array.from(r.bytes), err, clone, missing, who: await stub.whoami() });
      }
      case "/await-stub": {
        const stub = await Promise.resolve(ns.get(ns.idFromName(name)));
        return stub.fetch("http://do.example/x");
      }
      default:
        return ns.get(ns.idFromName(name)).fetch(request);
    }
  },
};
`

func counterOpts(dir string) Options {
	return Options{PersistTo: dir, Bindings: []Binding{{Name: "COUNTER", Class: "Counter"}}}
}

func TestIDs(t *testing.T) {
	a := startApp(t, counterWorker, counterOpts(""))
	body := a.get(t, "/ids")
	for _, want := range []string{`"eq":true`, `"name":"x"`, `"ne":false`, `"round":true`, `Invalid Durable Object ID`} {
		if !strings.Contains(body, want) {
			t.Errorf("ids: %s lacks %s", body, want)
		}
	}
	if IDFromName("k", "x") != IDFromName("k", "x") || len(IDFromName("k", "x")) != 64 {
		t.Error("IDFromName not stable")
	}
}

func TestFetchSameObjectAndPersistence(t *testing.T) {
	dir := t.TempDir()
	a := startApp(t, counterWorker, counterOpts(dir))
	a.get(t, "/count?name=a")
	body := a.get(t, "/count?name=a")
	if !strings.Contains(body, `"n":2`) || !strings.Contains(body, `"name":"a"`) || !strings.Contains(body, `"path":"/count"`) {
		t.Fatalf("second request: %s", body)
	}
	if code, b := a.do(t, "POST", "/p?name=a", "hello"); code != 200 || !strings.Contains(b, `"body":"hello"`) || !strings.Contains(b, `"method":"POST"`) {
		t.Fatalf("POST: %d %s", code, b)
	}
	if b := a.get(t, "/count?name=b"); !strings.Contains(b, `"n":1`) {
		t.Fatalf("other object: %s", b)
	}
	a.close()

	// A new session on the same directory finds the data.
	a2 := startApp(t, counterWorker, counterOpts(dir))
	if b := a2.get(t, "/count?name=a"); !strings.Contains(b, `"n":4`) || !strings.Contains(b, `"boots":2`) {
		t.Fatalf("after restart: %s", b)
	}
	if b := a2.get(t, "/await-stub?name=a"); !strings.Contains(b, `"n":5`) || !strings.Contains(b, `"host":"do.example"`) {
		t.Fatalf("awaited stub: %s", b)
	}
}

func TestRPC(t *testing.T) {
	a := startApp(t, counterWorker, counterOpts(""))
	body := a.get(t, "/rpc?name=r")
	for _, want := range []string{`"sum":5`, `"date":true`, `"bytes":[1,2]`, `"err":"RangeError: too big true"`, `"clone":"DataCloneError"`, `does not implement the method \"nope\"`, `"who":"r:undefined"`} {
		if !strings.Contains(body, want) {
			t.Errorf("rpc: %s lacks %s", body, want)
		}
	}
}

func TestConcurrentRequestsOneInstance(t *testing.T) {
	a := startApp(t, counterWorker, counterOpts(t.TempDir()))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.get(t, "/c?name=same")
		}()
	}
	wg.Wait()
	if b := a.get(t, "/c?name=same"); !strings.Contains(b, `"n":21`) || !strings.Contains(b, `"boots":1`) {
		t.Fatalf("after 20 concurrent: %s", b)
	}
	if objs := a.reg.Objects(); len(objs) != 1 {
		t.Fatalf("objects: %v", objs)
	}
}

func TestEviction(t *testing.T) {
	opts := counterOpts(t.TempDir())
	opts.IdleTimeout = 100 * time.Millisecond
	a := startApp(t, counterWorker, opts)
	a.get(t, "/c?name=e")
	deadline := time.Now().Add(5 * time.Second)
	for len(a.reg.Objects()) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("object not evicted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b := a.get(t, "/c?name=e"); !strings.Contains(b, `"n":2`) || !strings.Contains(b, `"boots":2`) {
		t.Fatalf("after eviction: %s", b)
	}
}
