// Each path of /<object>/<call> makes one ctx.container call (or a few) on
// the Durable Object <object> and answers what the runtime did, as JSON:
// values, and errors by name, message, class and the properties workerd
// sets. Nothing here depends on time or on which runtime runs it.
import { DurableObject } from "cloudflare:workers";

function describe(e) {
  if (!(e instanceof Object)) return { thrown: String(e) };
  return {
    name: e.name,
    message: e.message,
    isError: e instanceof Error,
    class: e.constructor && e.constructor.name,
    exitCode: e.exitCode,
    retryable: e.retryable,
  };
}

// settle says how f went: returned (and what), or threw at once, or
// returned a promise that resolved or rejected.
async function settle(f) {
  let v;
  try {
    v = f();
  } catch (e) {
    return { threw: describe(e) };
  }
  if (!(v instanceof Promise)) return { returned: v === undefined ? null : v };
  try {
    const r = await v;
    return { resolved: r === undefined ? null : r };
  } catch (e) {
    return { rejected: describe(e) };
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Box extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.runningAtConstruction = ctx.container.running;
  }

  async fetch(req) {
    const c = this.ctx.container;
    const url = new URL(req.url);
    const q = url.searchParams;
    const call = url.pathname.split("/")[2];
    const port = Number(q.get("port") || 8080);
    const get = async (path) => {
      const r = await c.getTcpPort(port).fetch("http://container" + path, { method: q.get("method") || "GET" });
      return { status: r.status, body: await r.text() };
    };
    switch (call) {
      case "constructed":
        return Response.json({ runningAtConstruction: this.runningAtConstruction, running: c.running });
      case "running":
        return Response.json(c.running);
      case "start": {
        const env = { MSG: q.get("msg") || "probe" };
        if (q.get("listen")) env.LISTEN = q.get("listen");
        if (q.get("env")) Object.assign(env, JSON.parse(q.get("env")));
        const opts = { env };
        if (q.get("entrypoint")) opts.entrypoint = JSON.parse(q.get("entrypoint"));
        if (q.get("image")) opts.image = q.get("image");
        return Response.json({ start: await settle(() => c.start(opts)), running: c.running });
      }
      case "start-invalid":
        return Response.json(await settle(() => c.start(JSON.parse(q.get("options")))));
      case "fetch":
        return Response.json(await settle(() => get(q.get("path") || "/")));
      case "fetch-url":
        return Response.json(await settle(() => c.getTcpPort(port).fetch(q.get("url")).then((r) => r.status)));
      case "wait-port": {
        // Poll until the port answers, as @cloudflare/containers' waitForPort.
        for (let i = 0; ; i++) {
          try {
            return Response.json({ answered: await get("/ready") });
          } catch (e) {
            if (i === 600 || !c.running) return Response.json({ gaveUp: describe(e), running: c.running });
            await sleep(50);
          }
        }
      }
      case "signal":
        return Response.json({ signal: await settle(() => c.signal(Number(q.get("sig")))), running: c.running });
      case "monitor":
        return Response.json({ monitor: await settle(() => c.monitor()), running: c.running });
      case "destroy": {
        const reason = q.get("reason");
        const d = await settle(() => (reason === null ? c.destroy() : c.destroy(new Error(reason))));
        return Response.json({ destroy: d, running: c.running });
      }
      case "monitor-destroy": {
        // wrangler's container-app fixture: monitor(), destroy(), await both.
        const m = c.monitor();
        const d = await settle(() => c.destroy());
        return Response.json({ destroy: d, running: c.running, monitor: await settle(() => m) });
      }
      case "monitor-signal": {
        const m = c.monitor();
        c.signal(Number(q.get("sig")));
        return Response.json({ monitor: await settle(() => m), running: c.running });
      }
      case "exit": {
        // The container exits by itself; nobody calls monitor().
        await get("/exit/" + q.get("code"));
        while (c.running) await sleep(20);
        return Response.json({ running: c.running, monitor: await settle(() => c.monitor()) });
      }
      case "inactivity":
        return Response.json(await settle(() => c.setInactivityTimeout(Number(q.get("ms")))));
      case "port-invalid":
        return Response.json(await settle(() => typeof c.getTcpPort(Number(q.get("port")))));
      case "serve":
        // What a worker in front of a container does: start it when it is
        // not running, and poll its port until it answers (the benchmark's
        // cold and warm requests).
        if (!c.running) c.start({ env: { MSG: "bench" } });
        for (;;) {
          try {
            return await c.getTcpPort(8080).fetch("http://container/");
          } catch (e) {
            if (!c.running) throw e;
            await sleep(5);
          }
        }
      case "abort":
        // Resets the object: the next request builds it anew.
        this.ctx.abort("reset by the test");
        return new Response("not reached");
      case "ws":
        return c.getTcpPort(port).fetch(req);
      case "connect": {
        const sock = c.getTcpPort(port).connect("container:" + port);
        const w = sock.writable.getWriter();
        await w.write(new TextEncoder().encode("GET /connected HTTP/1.0\r\n\r\n"));
        const text = await new Response(sock.readable).text();
        return Response.json({ firstLine: text.split("\r\n")[0], body: text.split("\r\n\r\n")[1] });
      }
    }
    return new Response("no such call: " + call, { status: 404 });
  }
}

export default {
  fetch(req, env) {
    const name = new URL(req.url).pathname.split("/")[1];
    return env.BOX.getByName(name).fetch(req);
  },
};
