import { DurableObject } from "cloudflare:workers";

// Each object starts its container on its first request and passes the
// request to the container's port 8080; ?name= picks the object, so a new
// name is a cold start. Until the container listens its port fails at once
// (as under workerd): the object polls it, every 5 ms.
export class Box extends DurableObject {
  async fetch(req) {
    const c = this.ctx.container;
    if (!c.running) c.start();
    for (;;) {
      try {
        return await c.getTcpPort(8080).fetch(req.url, { method: req.method });
      } catch (e) {
        if (!c.running) throw e;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
}

export default {
  fetch(req, env) {
    const name = new URL(req.url).searchParams.get("name") || "warm";
    return env.BOX.getByName(name).fetch(req);
  },
};
