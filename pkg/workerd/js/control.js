// valet's control worker: it runs beside the app's worker in the same
// workerd and is reached only through valet's private control socket.
// It pings the app (readiness), delivers scheduled events, and hands
// Durable Objects over between versions.
const TOKEN = "__VALET_TOKEN__";

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const q = url.searchParams;
    switch (url.pathname) {
      case "/ping": {
        try {
          const r = await env.PROBE.fetch("http://valet/");
          return new Response(await r.text(), { status: r.status });
        } catch (e) {
          return new Response(String((e && e.stack) || e), { status: 500 });
        }
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
