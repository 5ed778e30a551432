import { DurableObject } from "cloudflare:workers";
import { greet, fail } from "./greet";

interface Env {
  NAME: string;
}

export class Counter extends DurableObject<Env> {
  count = 0;

  async fetch(_request: Request): Promise<Response> {
    this.count++;
    return new Response(`count ${this.count}`);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === "/fail") {
      fail();
    }
    return new Response(greet(env.NAME));
  },
} satisfies ExportedHandler<Env>;
