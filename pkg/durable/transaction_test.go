package durable

import (
	"strings"
	"testing"
)

const txnWorker = `
import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async slow(fail) {
    try {
      await this.ctx.storage.transaction(async (txn) => {
        await txn.put("k", "inside");
        await new Promise((r) => setTimeout(r, 60));
        if (fail) throw new Error("boom");
      });
    } catch (e) { return "threw " + e.message; }
    return "ok";
  }
  async write(v) { await this.ctx.storage.put("other", v); return (await this.ctx.storage.get("k")) ?? "none"; }
  async read() { return { k: (await this.ctx.storage.get("k")) ?? "none", other: (await this.ctx.storage.get("other")) ?? "none" }; }
  async synced() { await this.ctx.storage.put("s", 1); await this.ctx.storage.sync(); return this.ctx.storage.get("s"); }
}

export default {
  async fetch(request, env) {
    const stub = env.BOX.getByName(new URL(request.url).pathname);
    const fail = new URL(request.url).searchParams.has("fail");
    const slow = stub.slow(fail);
    await new Promise((r) => setTimeout(r, 10));
    // Arrives while the transaction awaits its timer: held at the input gate.
    const seen = await stub.write("x");
    return Response.json({ slow: await slow, seen, after: await stub.read(), synced: await stub.synced() });
  },
};
`

func TestTransactionHoldsEvents(t *testing.T) {
	a := startApp(t, txnWorker, Options{Bindings: []Binding{{Name: "BOX", Class: "Box"}}})
	body := a.get(t, "/a?fail")
	for _, want := range []string{`"slow":"threw boom"`, `"seen":"none"`, `"after":{"k":"none","other":"x"}`, `"synced":1`} {
		if !strings.Contains(body, want) {
			t.Errorf("failed transaction: %s lacks %s", body, want)
		}
	}
	body = a.get(t, "/b")
	for _, want := range []string{`"slow":"ok"`, `"seen":"inside"`, `"after":{"k":"inside","other":"x"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("committed transaction: %s lacks %s", body, want)
		}
	}
}
