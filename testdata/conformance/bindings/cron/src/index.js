// A worker with cron triggers: its scheduled handler writes each run's
// controller to the Runs Durable Object. The test runs it through
// /cdn-cgi/handler/scheduled (wrangler dev and valet dev), and under valet
// dev also lets the schedule run it. /run answers the runs recorded so
// far as its one step, /check as they are; /wait?n= waits until there
// are n.
import { DurableObject } from "cloudflare:workers";

const WAIT_MS = 30_000;

export class Runs extends DurableObject {
  #waiters = [];
  async add(run) {
    const runs = (await this.ctx.storage.get("runs")) ?? [];
    runs.push(run);
    await this.ctx.storage.put("runs", runs);
    this.#waiters = this.#waiters.filter((w) => (runs.length >= w.n ? (w.resolve(runs), false) : true));
  }
  async list(n = 0) {
    const runs = (await this.ctx.storage.get("runs")) ?? [];
    if (runs.length >= n) return runs;
    return new Promise((resolve) => {
      this.#waiters.push({ n, resolve });
      setTimeout(() => this.list().then(resolve), WAIT_MS);
    });
  }
}

const runs = (env) => env.RUNS.get(env.RUNS.idFromName("runs"));

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    switch (url.pathname) {
      case "/run":
        return Response.json([["runs", await runs(env).list()]]);
      case "/check":
        return Response.json(await runs(env).list());
      case "/wait":
        return Response.json(await runs(env).list(Number(url.searchParams.get("n"))));
    }
    return new Response("not found", { status: 404 });
  },
  async scheduled(controller, env, ctx) {
    if (controller.cron === "fail") throw new Error("the cron job failed");
    let waited = false;
    ctx.waitUntil(Promise.resolve().then(() => (waited = true)));
    await runs(env).add({
      cron: controller.cron,
      scheduledTime: controller.scheduledTime,
      scheduledTimeType: typeof controller.scheduledTime,
      type: controller.type ?? null,
      noRetry: typeof controller.noRetry,
      waitUntil: typeof ctx.waitUntil,
      keys: Object.keys(controller).sort(),
    });
  },
};
