import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    const c = this.ctx.container!;
    if (!c.running) c.start({ env: { MSG: "dev" } });
    const n = ((await this.ctx.storage.get<number>("n")) || 0) + 1;
    await this.ctx.storage.put("n", n);
    const res = await c.getTcpPort(8080).fetch(request.url, { method: request.method });
    return new Response(`${n} ${await res.text()}`);
  }
}

export default {
  fetch(request: Request, env: any) {
    return env.BOX.getByName("singleton").fetch(request);
  },
};
