/**
 * A worker in Workers module syntax: valet dev runs it locally, valet deploy
 * on your host, and wrangler on Cloudflare.
 *
 *   GET /                  a greeting
 *   GET /api/hello?name=X  JSON greeting, from env.GREETING (valet.jsonc "vars")
 *   GET /api/uuid          a random UUID
 *   *   /api/echo          the request, as the worker saw it
 */
export default {
  async fetch(request, env, ctx): Promise<Response> {
    const url = new URL(request.url);

    switch (url.pathname) {
      case "/":
        return new Response(`${env.GREETING} from valet! Try /api/hello?name=you\n`, {
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        });

      case "/api/hello": {
        const name = url.searchParams.get("name") ?? "world";
        return json({ message: `${env.GREETING}, ${name}!` });
      }

      case "/api/uuid":
        return json({ uuid: crypto.randomUUID() });

      case "/api/echo": {
        const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
        // Work that need not delay the response.
        ctx.waitUntil(Promise.resolve().then(() => console.log(`echoed ${request.method} ${url.pathname}`)));
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return json({ method: request.method, url: request.url, headers, body });
      }

      default:
        return json({ error: `no route for ${request.method} ${url.pathname}` }, 404);
    }
  },
} satisfies ExportedHandler<Env>;

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value, null, 2), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}
