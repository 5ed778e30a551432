import { Hono } from "hono";
import { json, markdown, ssr } from "./work";

type Env = { GREETING: string };

// Hono serves /api/hono/*; /api/hello is a plain Workers route, so the
// benchmark measures the runtime alone and the runtime with a router.
// /api/ssr, /api/markdown and /api/json do real work per request (work.ts).
const app = new Hono<{ Bindings: Env }>().basePath("/api/hono");
app.get("/:name", (c) => c.json({ [c.env.GREETING]: c.req.param("name") }));

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/api/hello":
        return Response.json({ [env.GREETING]: "world" });
      case "/api/ssr":
        return ssr();
      case "/api/markdown":
        return markdown();
      case "/api/json":
        return json();
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
