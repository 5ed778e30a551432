import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    const c = this.ctx.container!;
    if (!c.running) c.start({ env: { MSG: "dev" } });
    const n = ((await this.ctx.storage.get<number>("n")) || 0) + 1;
    await this.ctx.storage.put("n", n);
    // A container just started listens a moment later: until then its port
    // fails at once ("Container is not listening to port 8080"), so poll, as
    // @cloudflare/containers' waitForPort does.
    const port = c.getTcpPort(8080);
    for (let i = 0; ; i++) {
      try {
        const res = await port.fetch(request.url, { method: request.method });
        return new Response(`${n} ${await res.text()}`);
      } catch (e) {
        if (i === 300 || !c.running) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

export default {
  fetch(request: Request, env: any) {
    return env.BOX.getByName("singleton").fetch(request);
  },
};
