// Exercises Workflows as a worker uses them: create (with and without an
// id, with a taken one, in a batch), get, status as an instance runs (running, waiting,
// complete, errored), steps with step.do retries, step.sleep,
// step.waitForEvent and sendEvent, pause/resume, terminate, restart, and
// the errors of each call. /run answers [[step, answer], ...]; it waits
// for an instance's state by asking its status, as a worker does.
import { WorkflowEntrypoint } from "cloudflare:workers";

const WAIT_MS = 20_000;

// How many times each instance's flaky step ran, and which instances
// reached their sleep or wait, by instance id: workflows run in this
// isolate, so /run sees them here.
const attempts = new Map();
const reached = new Map();

export class Steps extends WorkflowEntrypoint {
  async run(event, step) {
    const p = event.payload ?? {};
    const doubled = await step.do("double", async () => ({ n: (p.n ?? 0) * 2 }));
    const flaky = await step.do(
      "flaky",
      { retries: { limit: 3, delay: 10, backoff: "constant" } },
      async () => {
        const n = (attempts.get(event.instanceId) ?? 0) + 1;
        attempts.set(event.instanceId, n);
        if (n < 3) throw new Error(`attempt ${n} failed`);
        return `ok after ${n}`;
      },
    );
    if (p.sleep) {
      reached.set(event.instanceId, "sleep");
      await step.sleep("nap", p.sleep);
    }
    let approval = null;
    if (p.wait) {
      reached.set(event.instanceId, "wait");
      const ev = await step.waitForEvent("approval", { type: "approve", timeout: "1 minute" });
      approval = { type: ev.type, payload: ev.payload, timestamp: ev.timestamp instanceof Date ? "Date" : typeof ev.timestamp };
    }
    return {
      doubled,
      flaky,
      approval,
      event: { payload: event.payload, instanceId: event.instanceId, timestamp: event.timestamp instanceof Date ? "Date" : typeof event.timestamp },
    };
  }
}

export class Failing extends WorkflowEntrypoint {
  async run(event, step) {
    await step.do("first", async () => "fine");
    return await step.do("boom", { retries: { limit: 1, delay: 10, backoff: "constant" } }, async () => {
      throw new TypeError("the step failed");
    });
  }
}

async function step(out, name, fn) {
  try {
    out.push([name, await fn()]);
  } catch (e) {
    out.push([name, { error: String(e && e.message), name: e && e.name }]);
  }
}

// An instance's status once ok(status) holds (or the last one seen after
// WAIT_MS), without what only wrangler's local mode adds.
async function until(instance, ok) {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    const s = await instance.status();
    if (ok(s) || Date.now() > end) return shape(s);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function shape(s) {
  const out = { status: s.status };
  if (s.output !== undefined) out.output = s.output;
  if (s.error !== undefined) out.error = s.error;
  return out;
}

const is = (...states) => (s) => states.includes(s.status);

// The instance id once get finds it (a create still under way, as those
// of a failed batch may be, is not found before it is done).
async function found(binding, id) {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await binding.get(id);
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

// The status of an instance once it reached its sleep or wait (a worker
// cannot tell from its status alone: wrangler dev says "running" there).
async function atPause(instance) {
  const end = Date.now() + WAIT_MS;
  while (!reached.has(instance.id) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  reached.delete(instance.id);
  return shape(await instance.status());
}

async function run(env) {
  const out = [];
  await step(out, "create with an id", async () => {
    const i = await env.STEPS.create({ id: "first", params: { n: 21 } });
    return i.id;
  });
  await step(out, "complete", async () => until(await env.STEPS.get("first"), is("complete", "errored")));
  await step(out, "create without an id", async () => {
    const i = await env.STEPS.create({ params: { n: 1 } });
    return { idType: typeof i.id, length: i.id.length };
  });
  await step(out, "create without params", async () => {
    const i = await env.STEPS.create({ id: "no-params" });
    return until(i, is("complete", "errored"));
  });
  await step(out, "create with a taken id", async () => (await env.STEPS.create({ id: "first" })).id);
  await step(out, "create with a taken id keeps the instance", async () =>
    until(await env.STEPS.create({ id: "first", params: { n: 99 } }), is("complete", "errored")));
  await step(out, "create with an undefined id", async () => {
    const i = await env.STEPS.create({ id: undefined, params: { n: 1 } });
    return { idType: typeof i.id, length: i.id.length };
  });
  await step(out, "status carries the step outputs", async () => {
    const s = await (await env.STEPS.get("first")).status();
    return { keys: Object.keys(s), outputs: s.__LOCAL_DEV_STEP_OUTPUTS };
  });
  await step(out, "create with a bad id fails", () => env.STEPS.create({ id: "not valid!" }));
  await step(out, "get a missing instance fails", () => env.STEPS.get("missing"));
  await step(out, "get", async () => (await env.STEPS.get("first")).id);

  await step(out, "sleep", async () => {
    const i = await env.STEPS.create({ id: "sleeper", params: { n: 2, sleep: "1 second" } });
    const waiting = await atPause(i);
    const done = await until(i, is("complete", "errored"));
    return { waiting, done };
  });

  await step(out, "wait for an event", async () => {
    const i = await env.STEPS.create({ id: "waiter", params: { n: 3, wait: true } });
    const waiting = await atPause(i);
    await i.sendEvent({ type: "approve", payload: { by: "fixture" } });
    const done = await until(i, is("complete", "errored"));
    return { waiting, done };
  });

  await step(out, "an event sent before the wait", async () => {
    const i = await env.STEPS.create({ id: "early", params: { n: 4, wait: true } });
    await i.sendEvent({ type: "approve", payload: { early: true } });
    return until(i, is("complete", "errored"));
  });

  await step(out, "sendEvent with a bad type fails", async () => {
    const i = await env.STEPS.get("waiter");
    return i.sendEvent({ type: "not valid!", payload: {} });
  });

  await step(out, "a failing step errors the instance", async () => {
    const i = await env.FAILING.create({ id: "failing" });
    return until(i, is("complete", "errored"));
  });

  await step(out, "pause and resume", async () => {
    const i = await env.STEPS.create({ id: "paused", params: { n: 5, wait: true } });
    await atPause(i);
    await i.pause();
    const paused = await until(i, is("paused", "complete", "errored"));
    await i.resume();
    const resumed = await until(i, (s) => s.status !== "paused" && s.status !== "queued");
    await i.sendEvent({ type: "approve", payload: null });
    const done = await until(i, is("complete", "errored"));
    return { paused, resumed: resumed.status, done };
  });

  await step(out, "terminate", async () => {
    const i = await env.STEPS.create({ id: "terminated", params: { n: 6, wait: true } });
    await atPause(i);
    await i.terminate();
    return until(i, is("terminated", "complete", "errored"));
  });

  await step(out, "terminate a finished instance fails", async () => (await env.STEPS.get("first")).terminate());

  await step(out, "restart", async () => {
    const i = await env.STEPS.get("terminated");
    await i.restart();
    const running = await atPause(i);
    await i.sendEvent({ type: "approve", payload: "again" });
    return { running, done: await until(i, is("complete", "errored")) };
  });

  await step(out, "createBatch", async () => {
    const batch = await env.STEPS.createBatch([
      { id: "batch-1", params: { n: 7 } },
      { id: "batch-2", params: { n: 8 } },
    ]);
    const ids = batch.map((i) => i.id);
    const done = [];
    for (const i of batch) done.push(await until(i, is("complete", "errored")));
    return { ids, done };
  });

  await step(out, "createBatch with ids given twice or taken", async () => {
    const batch = await env.STEPS.createBatch([{ id: "batch-3", params: { n: 10 } }, { id: "batch-3" }, { id: "first" }]);
    return { ids: batch.map((i) => i.id), done: await until(batch[0], is("complete", "errored")) };
  });
  await step(out, "createBatch with a bad id creates the others", async () => {
    const error = await env.STEPS.createBatch([{ id: "batch-4", params: { n: 11 } }, { id: "not valid!" }]).then(
      () => "no error",
      (e) => ({ error: String(e && e.message), name: e && e.name }),
    );
    return { error, done: await until(await found(env.STEPS, "batch-4"), is("complete", "errored")) };
  });
  await step(out, "createBatch empty fails", () => env.STEPS.createBatch([]));
  return out;
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    switch (url.pathname) {
      case "/run":
        return Response.json(await run(env));
      // An instance left waiting for its event, and the event sent later
      // (valet's check that instances survive a restart between the two).
      case "/start": {
        const i = await env.STEPS.create({ id: url.searchParams.get("id"), params: { n: 9, wait: true } });
        return Response.json(await atPause(i));
      }
      case "/finish": {
        const i = await env.STEPS.get(url.searchParams.get("id"));
        await i.sendEvent({ type: "approve", payload: "after" });
        return Response.json(await until(i, is("complete", "errored")));
      }
      // What /run left: the instances' states, read again after a restart.
      case "/check": {
        const out = [];
        for (const id of ["first", "sleeper", "waiter", "failing", "terminated", "batch-2"]) {
          await step(out, id, async () => shape(await (await env.STEPS.get(id).catch(() => env.FAILING.get(id))).status()));
        }
        return Response.json(out);
      }
    }
    return new Response("not found", { status: 404 });
  },
};
