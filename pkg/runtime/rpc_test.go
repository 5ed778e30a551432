package runtime

import (
	"strings"
	"testing"

	"github.com/dop251/goja"
)

const entrypointWorker = `
import { WorkerEntrypoint, RpcTarget } from "cloudflare:workers";

class Tally extends RpcTarget {
  constructor() { super(); this.n = 0; }
  add(k) { this.n += k; return this.n; }
}

export class Api extends WorkerEntrypoint {
  hello(name) { return "hello " + name + " " + (this.env.GREETING || ""); }
  async each(list, fn) { const out = []; for (const x of list) out.push(await fn(x)); return out; }
  tally() { return new Tally(); }
  boom() { throw new TypeError("bad input"); }
  get version() { return 3; }
  async fetch(req) { return new Response("api " + req.method + " " + (await req.text())); }
}

export default {
  async fetch(request, env, ctx) {
    const api = ctx.exports.Api;
    const out = {};
    out.hello = await api.hello("you");
    out.each = await api.each([1, 2, 3], (x) => x * x);
    out.tally = await api.tally().add(5);
    out.version = await api.version;
    try { await api.boom(); } catch (e) { out.boom = [e instanceof TypeError, e.message]; }
    try { await api.missing(); } catch (e) { out.missing = e.message; }
    out.fetch = await (await api.fetch(new Request("http://api/", { method: "PUT", body: "data" }))).text();
    out.other = ctx.exports.NotThere === undefined;
    out.plain = ctx.exports.helper;
    return Response.json(out);
  },
};
export const helper = 1;
`

func TestCtxExportsEntrypointRPC(t *testing.T) {
	w := startWorker(t, entrypointWorker, func(o *Options) { o.Env = map[string]Binding{"GREETING": Var("!")} })
	w.pool.SetExports(func(iso *Isolate, name string) (goja.Value, error) {
		if name == "helper" {
			return iso.Runtime().ToValue("from Go"), nil
		}
		return nil, nil
	})
	_, body := w.get(t, "/")
	for _, want := range []string{`"hello":"hello you !"`, `"each":[1,4,9]`, `"tally":5`, `"version":3`,
		`"boom":[true,"bad input"]`, `"missing":"The RPC receiver does not implement the method \"missing\"."`,
		`"fetch":"api PUT data"`, `"other":true`, `"plain":"from Go"`} {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %s", body, want)
		}
	}
}
