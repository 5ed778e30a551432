// Exercises service bindings as a worker uses them: fetch on a worker's
// default entrypoint, RPC on a named entrypoint (arguments and results of
// each kind, a thrown error, a missing method, a stub passed back), a
// binding to this worker itself, and a binding to a worker that is not
// running. /run answers [[step, answer], ...].
import { WorkerEntrypoint } from "cloudflare:workers";

export class Local extends WorkerEntrypoint {
  whoami() {
    return "services-fixture";
  }
}

async function step(out, name, fn) {
  try {
    out.push([name, await fn()]);
  } catch (e) {
    out.push([name, { error: String(e && e.message), name: e && e.name }]);
  }
}

// An answer as a worker sees it. An error answer of the dev server's
// (MF-Experimental-Error-Stack) carries a stack with paths of the machine:
// only its error's name and message are kept.
async function answer(r) {
  let body = await r.text();
  if (r.headers.get("content-type") === "application/json") {
    const { name, message } = JSON.parse(body);
    body = { name, message };
  }
  return { status: r.status, contentType: r.headers.get("content-type"), seen: r.headers.get("x-seen"), body };
}

async function run(env) {
  const out = [];
  await step(out, "fetch", async () => answer(await env.OTHER.fetch("http://example.com/path?q=1", { headers: { "x-test": "yes" } })));
  await step(out, "fetch POST with a body", async () =>
    answer(await env.OTHER.fetch("http://example.com/echo", { method: "POST", body: "posted body" })),
  );
  await step(out, "fetch a Request", async () => answer(await env.OTHER.fetch(new Request("https://example.org/req", { method: "PUT", body: "r" }))));
  await step(out, "fetch that throws in the other worker", async () => answer(await env.OTHER.fetch("http://example.com/throw")));
  await step(out, "RPC on the default entrypoint", () => env.OTHER.add(2, 3));
  await step(out, "RPC with values", () => env.OTHER_RPC.echo({ n: 1, s: "x", list: [1, 2], nested: { ok: true }, date: new Date(0) }));
  await step(out, "RPC result types", async () => {
    const r = await env.OTHER_RPC.kinds();
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? "Date" : v instanceof Map ? "Map" : v instanceof Uint8Array ? "Uint8Array" : typeof v]));
  });
  await step(out, "RPC that throws", () => env.OTHER_RPC.fail("why"));
  await step(out, "RPC of a missing method", () => env.OTHER_RPC.missing());
  await step(out, "RPC property", async () => env.OTHER_RPC.version);
  await step(out, "RPC returning a stub", async () => {
    const counter = await env.OTHER_RPC.counter(10);
    await counter.add(5);
    return counter.value();
  });
  await step(out, "RPC passing a function", () => env.OTHER_RPC.call((x) => x * 2, 21));
  await step(out, "fetch on a named entrypoint", async () => answer(await env.OTHER_RPC.fetch("http://example.com/named")));
  await step(out, "this worker by RPC", () => env.SELF.whoami());
  await step(out, "a worker that is not running", async () => answer(await env.NOT_RUNNING.fetch("http://example.com/")));
  await step(out, "a worker that is not running by RPC", () => env.NOT_RUNNING_RPC.hello());
  await step(out, "vars of the other worker", () => env.OTHER_RPC.vars());
  return out;
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    switch (url.pathname) {
      case "/run":
        return Response.json(await run(env));
      case "/check":
        return Response.json(await env.OTHER_RPC.echo("check"));
    }
    return new Response("not found", { status: 404 });
  },
};
