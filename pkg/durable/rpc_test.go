package durable

import (
	"strings"
	"testing"
)

const rpcWorker = `
import { DurableObject, RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

class Counter extends RpcTarget {
  constructor(start) { super(); this.n = start; }
  inc(by) { this.n += by; return this.n; }
  get value() { return this.n; }
}

export class Thing extends DurableObject {
  constructor(ctx, env) { super(ctx, env); this.label = "thing"; this.kept = null; }
  get greeting() { return "hi " + this.label; }
  async apply(fn, x) { return (await fn(x)) * 10; }
  counter(start) { return new Counter(start); }
  nested() { return { counter: new Counter(100), tag: "t" }; }
  async echo(req) { return new Response("echo " + req.method + " " + new URL(req.url).pathname + " " + (await req.text()), { status: 201, headers: { "x-from": req.headers.get("x-to") } }); }
  headers() { const h = new Headers(); h.set("a", "1"); return h; }
  stream() {
    let i = 0;
    return new ReadableStream({ pull(c) { if (i < 3) c.enqueue(new TextEncoder().encode("c" + i++)); else c.close(); } });
  }
  fail() { const e = new RangeError("nope " + this.label); throw e; }
  keep(fn) { this.kept = fn.dup(); return true; }
  keepBad(fn) { this.kept = fn; return true; }
  async callKept(x) { return await this.kept(x); }
  viaExports() { return this.ctx.exports.Math.add(2, 3); }
}

export class Math extends WorkerEntrypoint {
  add(a, b) { return a + b + (this.env.BONUS || 0); }
  async fetch(req) { return new Response("math " + new URL(req.url).pathname); }
}

export default {
  async fetch(request, env, ctx) {
    const stub = env.THING.getByName("a");
    const out = {};
    let calls = 0;
    out.callback = await stub.apply((x) => { calls++; return x + 1; }, 4);
    out.calls = calls;
    out.asyncCallback = await stub.apply(async (x) => x * 2, 4);
    const c = await stub.counter(5);
    out.target = [await c.inc(2), await c.inc(3), await c.value];
    out.prop = await stub.label;
    out.getter = await stub.greeting;
    out.missingProp = await stub.nothing;
    out.pipelined = await stub.counter(1).then((t) => t.inc(1));
    out.pipelined2 = await stub.counter(7).inc(1);
    out.nested = await stub.nested().then(async (o) => [o.tag, await o.counter.inc(1)]);
    const res = await stub.echo(new Request("http://x/p", { method: "POST", body: "body!", headers: { "x-to": "h" } }));
    out.response = [res instanceof Response, res.status, res.headers.get("x-from"), await res.text()];
    const h = await stub.headers();
    out.headers = h instanceof Headers && h.get("a");
    out.stream = await new Response(await stub.stream()).text();
    try { await stub.fail(); } catch (e) { out.error = [e instanceof RangeError, e.name, e.message]; }
    try { await stub.nope(); } catch (e) { out.missing = e.message; }
    try { await stub.ctx; } catch (e) { out.reserved = e.message; }
    let kept = 0;
    await stub.keep((x) => { kept += x; return kept; });
    out.kept = await stub.callKept(2);
    await stub.keepBad(() => 1);
    try { await stub.callKept(1); out.disposed = "no error"; } catch (e) { out.disposed = e.message; }
    out.entry = await ctx.exports.Math.add(1, 2);
    out.entryFetch = await (await ctx.exports.Math.fetch(new Request("http://m/sum"))).text();
    out.doExports = await stub.viaExports();
    const ns = ctx.exports.Thing;
    out.nsExport = await ns.getByName("a").label;
    out.dispose = typeof c[Symbol.dispose] === "function" && typeof c.dup === "function";
    return Response.json(out);
  },
};
`

func TestRPCValues(t *testing.T) {
	a := startApp(t, rpcWorker, Options{Bindings: []Binding{{Name: "THING", Class: "Thing"}}})
	body := a.get(t, "/")
	for _, want := range []string{
		`"callback":50`, `"calls":1`, `"asyncCallback":80`,
		`"target":[7,10,10]`, `"prop":"thing"`, `"getter":"hi thing"`,
		`"pipelined":2`, `"pipelined2":8`, `"nested":["t",101]`,
		`"response":[true,201,"h","echo POST /p body!"]`, `"headers":"1"`, `"stream":"c0c1c2"`,
		`"error":[true,"RangeError","nope thing"]`,
		`"missing":"The RPC receiver does not implement the method \"nope\"."`,
		`"reserved":"The RPC receiver does not implement the method \"ctx\"."`,
		`"kept":2`, `"disposed":"RPC stub used after it was disposed`,
		`"entry":3`, `"entryFetch":"math /sum"`, `"doExports":5`, `"nsExport":"thing"`, `"dispose":true`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("%s\nlacks %s", body, want)
		}
	}
	if strings.Contains(body, `"missingProp"`) {
		t.Errorf("a missing property should read as undefined: %s", body)
	}
}
