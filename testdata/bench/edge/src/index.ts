import { Hono } from "hono";

type Env = { GREETING: string };

// Hono serves /api/hono/*; /api/hello is a plain Workers route, so the
// benchmark measures the runtime alone and the runtime with a router.
const app = new Hono<{ Bindings: Env }>().basePath("/api/hono");
app.get("/:name", (c) => c.json({ [c.env.GREETING]: c.req.param("name") }));

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") {
      return Response.json({ [env.GREETING]: "world" });
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
