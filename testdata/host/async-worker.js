// The worker of the host tests of queues, Workflows and crons (pkg/edgehost,
// pkg/deploy): /api/hold sends a message its consumer retries until
// /api/release; /api/wait?tag=&n= answers once the Log holds n entries of
// tag (deliveries, cron runs); /api/start?id= leaves a Workflow instance
// waiting for its event, /api/finish?id= sends it and answers once the
// instance ended. __VERSION__ names the version that does each.
import { DurableObject, WorkflowEntrypoint } from "cloudflare:workers";

const VERSION = "__VERSION__";

export class Log extends DurableObject {
  waiters = [];
  async add(e) {
    const log = (await this.ctx.storage.get("log")) ?? [];
    log.push(e);
    await this.ctx.storage.put("log", log);
    this.waiters = this.waiters.filter((w) => (log.filter((x) => x.tag === w.tag).length >= w.n ? (w.resolve(), false) : true));
  }
  async wait(tag, n) {
    const have = async () => ((await this.ctx.storage.get("log")) ?? []).filter((x) => x.tag === tag);
    if ((await have()).length < n) {
      await new Promise((resolve) => {
        this.waiters.push({ tag, n, resolve });
        setTimeout(resolve, 60000);
      });
    }
    return have();
  }
  async held() {
    return (await this.ctx.storage.get("held")) ?? false;
  }
  async setHeld(v) {
    await this.ctx.storage.put("held", v);
  }
}

export class Approval extends WorkflowEntrypoint {
  async run(event, step) {
    const before = await step.do("before", async () => "started by " + VERSION);
    const ev = await step.waitForEvent("ok", { type: "ok", timeout: "1 hour" });
    return before + ", " + ev.payload;
  }
}

const log = (env) => env.LOG.getByName("log");

export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    const q = u.searchParams;
    switch (u.pathname) {
      case "/api/health":
        return new Response("ok");
      case "/api/hold":
        await log(env).setHeld(true);
        await env.Q.send("m");
        return new Response("held");
      case "/api/release":
        await log(env).setHeld(false);
        return new Response("released");
      case "/api/wait":
        return Response.json(await log(env).wait(q.get("tag"), Number(q.get("n") ?? 1)));
      case "/api/start":
        return new Response((await env.WF.create({ id: q.get("id") })).id);
      case "/api/finish": {
        // Asking the status until the instance ends is how a worker waits
        // for one.
        const i = await env.WF.get(q.get("id"));
        await i.sendEvent({ type: "ok", payload: "finished by " + VERSION });
        for (const end = Date.now() + 30000; ; ) {
          const s = await i.status();
          if (s.status === "complete" || s.status === "errored" || Date.now() > end) return Response.json(s);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    return new Response(VERSION);
  },
  async queue(batch, env) {
    const held = await log(env).held();
    for (const m of batch.messages) {
      await log(env).add({ tag: held ? "attempt" : "acked", attempts: m.attempts, by: VERSION });
      if (held) m.retry({ delaySeconds: 1 });
      else m.ack();
    }
  },
  async scheduled(c, env) {
    await log(env).add({ tag: "cron", cron: c.cron, at: c.scheduledTime, by: VERSION });
  },
};
