// Exercises Queues as a worker uses them: producers (send and sendBatch
// with each content type, delays, the limits) and a consumer (batch sizes
// and timeouts, ack and retry per message, retryAll by throwing, retries
// with a delay, the dead letter queue). The consumer writes each delivery
// to the Log Durable Object; /run waits there for the deliveries each step
// expects, and answers [[step, answer], ...]. What differs from run to run
// (ids, timestamps, how long a delay took) is reported by shape.
import { DurableObject } from "cloudflare:workers";

const WAIT_MS = 30_000;

export class Log extends DurableObject {
  #waiters = [];

  async append(entries) {
    const log = (await this.ctx.storage.get("log")) ?? [];
    log.push(...entries);
    await this.ctx.storage.put("log", log);
    this.#wake(log);
  }

  // The entries tagged tag once there are n of them (or all there are
  // when WAIT_MS passes first, so that a step answers what it saw).
  async waitFor(tag, n) {
    const log = (await this.ctx.storage.get("log")) ?? [];
    const got = log.filter((e) => e.tag === tag);
    if (got.length >= n) return got;
    return new Promise((resolve) => {
      const w = { tag, n, resolve };
      w.timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        this.ctx.storage.get("log").then((l) => resolve((l ?? []).filter((e) => e.tag === tag)));
      }, WAIT_MS);
      this.#waiters.push(w);
    });
  }

  #wake(log) {
    this.#waiters = this.#waiters.filter((w) => {
      const got = log.filter((e) => e.tag === w.tag);
      if (got.length < w.n) return true;
      clearTimeout(w.timer);
      w.resolve(got);
      return false;
    });
  }

  async all() {
    return (await this.ctx.storage.get("log")) ?? [];
  }

  async setHeld(v) {
    await this.ctx.storage.put("held", v);
  }

  async held() {
    return (await this.ctx.storage.get("held")) ?? false;
  }
}

const log = (env) => env.LOG.get(env.LOG.idFromName("log"));

// What send and sendBatch resolve to, by shape: the metrics' names and
// types (their values are the queue's backlog at that moment).
function sent(r) {
  if (r === undefined || r === null || typeof r !== "object") return r;
  const metrics = r.metadata && r.metadata.metrics;
  if (!metrics) return { keys: Object.keys(r) };
  return { metrics: Object.fromEntries(Object.keys(metrics).sort().map((k) => [k, typeof metrics[k]])) };
}

async function step(out, name, fn) {
  try {
    out.push([name, await fn()]);
  } catch (e) {
    out.push([name, { error: String(e && e.message), name: e && e.name }]);
  }
}

// A body as the consumer saw it: its type, and its value as JSON can
// carry it.
function describe(body) {
  if (body instanceof ArrayBuffer) return { type: "ArrayBuffer", bytes: Array.from(new Uint8Array(body)) };
  if (ArrayBuffer.isView(body)) return { type: body.constructor.name, bytes: Array.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) };
  if (body instanceof Date) return { type: "Date", value: body.toISOString() };
  if (body instanceof Map) return { type: "Map", value: [...body] };
  if (body === null) return { type: "null" };
  return { type: typeof body, value: body };
}

// What a step shows of its deliveries: in the order the messages were
// sent (n), each delivery's attempt and batch.
function deliveries(entries) {
  return entries
    .slice()
    .sort((a, b) => a.n - b.n || a.attempts - b.attempts)
    .map(({ tag, at, batch, ...e }) => e);
}

async function run(env) {
  const out = [];
  const L = log(env);
  const m = (tag, n, extra) => ({ tag, n, ...extra });

  await step(out, "send", async () => sent(await env.JOBS.send(m("body", 0, { v: "hello" }))));
  await step(out, "send json content type", async () => sent(await env.JOBS.send(m("body", 1, { v: [1, true, null] }), { contentType: "json" })));
  await step(out, "send text content type", async () => {
    await env.JOBS.send("plain text body", { contentType: "text" });
    return "sent";
  });
  await step(out, "send bytes content type", async () => {
    await env.JOBS.send(new Uint8Array([0, 1, 2, 255]), { contentType: "bytes" });
    return "sent";
  });
  await step(out, "send v8 content type", async () => {
    await env.JOBS.send(new Map([["k", new Date(0)]]), { contentType: "v8" });
    return "sent";
  });
  await step(out, "bodies as the consumer sees them", async () => deliveries(await L.waitFor("body", 5)));

  await step(out, "send a function fails", () => env.JOBS.send(() => 1));
  await step(out, "send an unknown content type fails", () => env.JOBS.send("x", { contentType: "yaml" }));
  await step(out, "send json content type with a non-JSON value fails", () => env.JOBS.send(1n, { contentType: "json" }));
  await step(out, "send text content type with an object fails", () => env.JOBS.send({ a: 1 }, { contentType: "text" }));
  await step(out, "send over 128 KB fails", () => env.JOBS.send("x".repeat(128 * 1000 + 1)));
  await step(out, "sendBatch of 101 fails", () => env.JOBS.sendBatch(Array.from({ length: 101 }, (_, i) => ({ body: i }))));
  await step(out, "sendBatch over 256 KB fails", () =>
    env.JOBS.sendBatch(Array.from({ length: 3 }, () => ({ body: "x".repeat(100 * 1000) }))),
  );
  await step(out, "sendBatch empty", () => env.JOBS.sendBatch([]));
  await step(out, "send negative delay fails", () => env.JOBS.send(m("ignored", 0), { delaySeconds: -1 }));
  await step(out, "send delay over 12 hours", async () => sent(await env.JOBS.send(m("ignored", 1), { delaySeconds: 43201 })));

  await step(out, "sendBatch of 7 with max_batch_size 3", async () => {
    await env.BATCHES.sendBatch(Array.from({ length: 7 }, (_, i) => ({ body: m("batch", i) })));
    const got = await L.waitFor("batch", 7);
    const sizes = new Map();
    for (const e of got) sizes.set(e.batch, (sizes.get(e.batch) ?? 0) + 1);
    return { sizes: [...sizes.values()].sort((a, b) => b - a), deliveries: deliveries(got) };
  });

  await step(out, "sendBatch with content types and delays", async () => {
    const t = Date.now();
    await env.JOBS.sendBatch([
      { body: m("mixed", 0) },
      { body: m("mixed", 1), contentType: "json" },
      { body: m("mixed", 2), delaySeconds: 1 },
    ]);
    const got = await L.waitFor("mixed", 3);
    return deliveries(got).map((e) => ({ ...e, waited: e.n === 2 ? got.find((g) => g.n === 2).at - t >= 1000 : undefined }));
  });

  await step(out, "ack and retry per message", async () => {
    await env.RETRIES.sendBatch([{ body: m("ack", 0, { action: "ack" }) }, { body: m("ack", 1, { action: "retry-once" }) }]);
    return deliveries(await L.waitFor("ack", 3));
  });

  await step(out, "a throwing consumer retries the whole batch", async () => {
    await env.RETRIES.sendBatch([{ body: m("throw", 0, { action: "throw-once" }) }, { body: m("throw", 1, { action: "none" }) }]);
    return deliveries(await L.waitFor("throw", 4));
  });

  await step(out, "retryAll", async () => {
    await env.RETRIES.sendBatch([{ body: m("all", 0, { action: "retry-all-once" }) }, { body: m("all", 1, { action: "retry-all-once" }) }]);
    return deliveries(await L.waitFor("all", 4));
  });

  await step(out, "retry with a delay", async () => {
    const t = Date.now();
    await env.RETRIES.send(m("later", 0, { action: "retry-later" }));
    const got = await L.waitFor("later", 2);
    return { deliveries: deliveries(got), waited: got[1] ? got[1].at - got[0].at >= 2000 : null, total: Date.now() - t >= 2000 };
  });

  await step(out, "out of retries to the dead letter queue", async () => {
    await env.RETRIES.send(m("poison", 0, { action: "retry" }));
    const tries = await L.waitFor("poison", 3);
    const dead = await L.waitFor("poison-dead", 1);
    return { tries: deliveries(tries), dead: deliveries(dead) };
  });

  await step(out, "delivery_delay and delaySeconds", async () => {
    const t = Date.now();
    await env.DELAYED.send(m("delay", 0));
    await env.DELAYED.send(m("delay", 1), { delaySeconds: 0 });
    await env.JOBS.send(m("delay", 2), { delaySeconds: 2 });
    const got = await L.waitFor("delay", 3);
    const after = (n) => got.find((e) => e.n === n).at - t;
    return { deliveries: deliveries(got), first: after(0) >= 1000, immediate: after(1) < 1000, second: after(2) >= 2000 };
  });
  return out;
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    switch (url.pathname) {
      case "/run":
        return Response.json(await run(env));
      case "/check":
        // What the consumer received, less what the limit steps may or
        // may not have sent.
        return Response.json(deliveries((await log(env).all()).filter((e) => e.tag !== "ignored")));
      // /hold keeps the held queue's messages coming back; /release lets
      // them through: a message held across a restart shows it survived.
      case "/hold":
        await log(env).setHeld(true);
        await env.HELD.send({ tag: "held", n: 0 });
        return new Response("held");
      case "/release":
        await log(env).setHeld(false);
        return new Response("released");
      case "/held":
        return Response.json(await log(env).waitFor(url.searchParams.get("tag") ?? "held", Number(url.searchParams.get("n") ?? 1)));
    }
    return new Response("not found", { status: 404 });
  },

  async queue(batch, env) {
    const L = log(env);
    const now = Date.now();
    const id = crypto.randomUUID();
    const entries = [];
    let throwIt = false;
    let retryAll = false;
    const held = batch.queue === "held" && (await L.held());
    for (const msg of batch.messages) {
      const b = msg.body;
      const tagged = b !== null && typeof b === "object" && !(b instanceof Map) && typeof b.tag === "string";
      // The untagged bodies of the first step, numbered by type.
      const untagged = typeof b === "string" ? 2 : b instanceof Map ? 4 : 3;
      const e = {
        tag: tagged ? b.tag : "body",
        n: tagged ? b.n : untagged,
        queue: batch.queue,
        batch: id,
        attempts: msg.attempts,
        id: typeof msg.id === "string" && msg.id.length > 0 ? "string" : msg.id,
        timestamp: msg.timestamp instanceof Date && Math.abs(now - msg.timestamp.getTime()) < 60_000 ? "recent Date" : String(msg.timestamp),
        at: now,
      };
      if (e.tag === "body") e.body = describe(b);
      if (batch.queue === "retries-dlq") e.tag += "-dead";
      if (batch.queue === "held") e.tag = held ? "held-attempt" : "held-acked";
      entries.push(e);
      const action = tagged ? b.action : undefined;
      if (batch.queue === "held") {
        if (held) msg.retry({ delaySeconds: 1 });
        else msg.ack();
      } else if (batch.queue === "retries-dlq") {
        msg.ack();
      } else if (action === "retry" || (action === "retry-once" && msg.attempts === 1)) {
        msg.retry();
      } else if (action === "retry-later" && msg.attempts === 1) {
        msg.retry({ delaySeconds: 2 });
      } else if (action === "throw-once" && msg.attempts === 1) {
        throwIt = true;
      } else if (action === "retry-all-once" && msg.attempts === 1) {
        retryAll = true;
      } else if (action !== "none") {
        msg.ack();
      }
    }
    await L.append(entries);
    if (throwIt) throw new Error("the consumer failed");
    if (retryAll) batch.retryAll();
  },
};
