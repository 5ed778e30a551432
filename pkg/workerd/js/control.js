// valet's control worker: it runs beside the app's worker in the same
// workerd and is reached only through valet's private control socket.
// It pings the app's workers (readiness), delivers scheduled events, hands
// Durable Objects over between versions and, in tests, moves the clock of
// workerd's bundled cron, queues and workflows modules.
const TOKEN = "__VALET_TOKEN__";

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const q = url.searchParams;
    switch (url.pathname) {
      case "/ping": {
        // Every worker of the process (PROBE_0 is the app's).
        for (const name of Object.keys(env).filter((k) => k.startsWith("PROBE_")).sort()) {
          try {
            const r = await env[name].fetch("http://valet/");
            if (!r.ok) return new Response(await r.text(), { status: r.status });
          } catch (e) {
            return new Response(String((e && e.stack) || e), { status: 500 });
          }
        }
        return new Response("ok");
      }
      case "/clock": {
        // Tests: move the clock of each bundled module run with TEST_CLOCK.
        const out = [];
        for (const name of Object.keys(env).filter((k) => k.startsWith("CLOCK_")).sort()) {
          const r = await env[name].fetch("http://valet/clock?advance=" + encodeURIComponent(q.get("advance") || "0"), { method: "POST" });
          out.push(await r.json());
        }
        return Response.json(out);
      }
      case "/scheduled": {
        const time = q.get("time");
        const r = await env.APP.scheduled({
          cron: q.get("cron") || "",
          scheduledTime: time ? new Date(Number(time)) : new Date(),
        });
        return Response.json(r);
      }
      case "/object": {
        // Hand over (release) or wake one object: ?class=&id=&op=release|wake&epoch=
        const ns = env["DO_" + q.get("class")];
        if (!ns) return new Response("no such class " + q.get("class"), { status: 404 });
        const stub = ns.get(ns.idFromString(q.get("id")));
        const epoch = q.get("epoch") || "0";
        return stub.fetch("http://valet/__valet/" + q.get("op") + "?epoch=" + epoch, {
          headers: { "x-valet-control": TOKEN },
        });
      }
    }
    return new Response("not found", { status: 404 });
  },
};
