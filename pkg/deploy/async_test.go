package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

// newAsyncProject is an app with a queue whose consumer retries a message
// while the app holds it, and a Workflow that waits for an event.
func newAsyncProject(t *testing.T) *project {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	p := &project{t: t, dir: t.TempDir(), name: "async-" + hex.EncodeToString(b), port: freePort(t)}
	p.write("valet.jsonc", fmt.Sprintf(`{
  "name": %q,
  "main": "worker/index.js",
  "compatibility_date": "2025-06-01",
  "durable_objects": { "bindings": [{ "name": "LOG", "class_name": "Log" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Log"] }],
  "queues": {
    "producers": [{ "binding": "Q", "queue": "held" }],
    "consumers": [{ "queue": "held", "max_batch_timeout": 0, "max_retries": 100, "retry_delay": 1 }]
  },
  "workflows": [{ "name": "approval", "binding": "WF", "class_name": "Approval" }],
  "deploy": { "port": %d, "healthcheck": { "path": "/api/health", "interval": "100ms", "deadline": "30s" } }
}`, p.name, p.port))
	p.asyncWorker("v1")
	return p
}

// asyncWorker: /api/hold sends the message, /api/release lets it through,
// /api/wait?tag= answers once the consumer logged it; /api/start and
// /api/finish leave an instance waiting and send its event (answering once
// it ended).
func (p *project) asyncWorker(v string) {
	p.write("worker/index.js", `import { DurableObject, WorkflowEntrypoint } from "cloudflare:workers";
export class Log extends DurableObject {
  waiters = [];
  async add(e) {
    const log = (await this.ctx.storage.get("log")) ?? [];
    log.push(e);
    await this.ctx.storage.put("log", log);
    this.waiters = this.waiters.filter((w) => (log.some((x) => x.tag === w.tag) ? (w.resolve(), false) : true));
  }
  async wait(tag) {
    const have = async () => ((await this.ctx.storage.get("log")) ?? []).filter((x) => x.tag === tag);
    if ((await have()).length === 0) await new Promise((resolve) => { this.waiters.push({ tag, resolve }); setTimeout(resolve, 60000); });
    return (await have()).map((x) => x.tag + " " + x.attempts + " " + x.by).join(",");
  }
  async held() { return (await this.ctx.storage.get("held")) ?? false; }
  async setHeld(v) { await this.ctx.storage.put("held", v); }
}
export class Approval extends WorkflowEntrypoint {
  async run(event, step) {
    const before = await step.do("before", async () => "started by `+v+`");
    const ev = await step.waitForEvent("ok", { type: "ok", timeout: "1 hour" });
    return before + ", " + ev.payload;
  }
}
const log = (env) => env.LOG.getByName("log");
export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    switch (u.pathname) {
      case "/api/health": return new Response("ok");
      case "/api/hold": await log(env).setHeld(true); await env.Q.send("m"); return new Response("held");
      case "/api/release": await log(env).setHeld(false); return new Response("released");
      case "/api/wait": return new Response(await log(env).wait(u.searchParams.get("tag")));
      case "/api/start": return new Response((await env.WF.create({ id: "w" })).id);
      case "/api/finish": {
        const i = await env.WF.get("w");
        await i.sendEvent({ type: "ok", payload: "finished by `+v+`" });
        for (const end = Date.now() + 30000; ; ) {
          const s = await i.status();
          if (s.status === "complete" || s.status === "errored" || Date.now() > end) return new Response(s.status + ": " + s.output);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    return new Response("`+v+`");
  },
  async queue(batch, env) {
    const held = await log(env).held();
    for (const m of batch.messages) {
      await log(env).add({ tag: held ? "attempt" : "acked", attempts: m.attempts, by: "`+v+`" });
      if (held) m.retry({ delaySeconds: 1 }); else m.ack();
    }
  },
};
`)
}

// TestDeployKeepsAsyncData: a queued message and a waiting Workflow
// instance live in the app's state volume, so a redeploy, a rollback and a
// restart of the edge container keep them; the version serving then
// delivers the message and completes the instance.
func TestDeployKeepsAsyncData(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := newAsyncProject(t)
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)
	if got := request(t, "GET", p.url("/api/hold")); got != "held" {
		t.Fatalf("hold: %q", got)
	}
	if got := request(t, "GET", p.url("/api/wait?tag=attempt")); !strings.HasPrefix(got, "attempt 1 v1") {
		t.Fatalf("the consumer never saw the message: %q", got)
	}
	if got := request(t, "GET", p.url("/api/start")); got != "w" {
		t.Fatalf("start: %q", got)
	}

	p.asyncWorker("v2")
	if r := d.mustDeploy(ctx); !r.Switched {
		t.Fatalf("redeploy: %+v", r)
	}
	if _, err := Rollback(ctx, d.conn, "", events.NewEmitter(d.rec)); err != nil {
		t.Fatal(err)
	}
	tg, err := d.conn.attached(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.E.Close()
	if err := e.Kill(ctx, tg.EdgeID()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Wait(ctx, tg.EdgeID()); err != nil {
		t.Fatal(err)
	}
	if err := tg.ensureEdgeStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if got := request(t, "GET", p.url("/")); got != "v1" {
		t.Fatalf("after the rollback and the restart: %q", got)
	}

	request(t, "GET", p.url("/api/release"))
	if got := request(t, "GET", p.url("/api/wait?tag=acked")); !strings.HasPrefix(got, "acked ") || strings.HasPrefix(got, "acked 1 ") {
		t.Errorf("delivered %q, want the message held since before the redeploy (attempt 2 or later)", got)
	}
	if got := request(t, "GET", p.url("/api/finish")); got != "complete: started by v1, finished by v1" {
		t.Errorf("the instance ended %q", got)
	}
}
