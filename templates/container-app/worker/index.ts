import { DurableObject } from "cloudflare:workers";

// The port the backend listens on inside its container (backend/main.go).
const BACKEND_PORT = 3210;
// How long a request waits for a container that is still starting.
const STARTUP_TIMEOUT_MS = 20_000;
const RETRY_INTERVAL_MS = 200;

/**
 * Container is the Durable Object class whose instances each own one
 * container (see "containers" in valet.jsonc). It starts the container on
 * demand and passes requests through to the backend's HTTP port.
 */
export class Container extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ensureStarted();
  }

  private ensureStarted(): void {
    const container = this.ctx.container;
    if (container && !container.running) {
      container.start({
        env: { API_VERSION: this.env.API_VERSION },
      });
    }
  }

  override async fetch(request: Request): Promise<Response> {
    const container = this.ctx.container;
    if (!container) {
      return errorResponse(500, 'no container for class Container: check "containers" in valet.jsonc');
    }
    this.ensureStarted();

    // The body is read once so that the request can be sent again while the
    // backend is still starting.
    const body =
      request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
    const port = container.getTcpPort(BACKEND_PORT);
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let lastError: unknown;
    do {
      try {
        return await port.fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body,
          redirect: "manual",
        });
      } catch (err) {
        // Not listening yet (starting), or restarting after a crash.
        lastError = err;
        if (!container.running) this.ensureStarted();
        await sleep(RETRY_INTERVAL_MS);
      }
    } while (Date.now() < deadline);

    console.error(`backend on port ${BACKEND_PORT} not reachable:`, lastError);
    return errorResponse(
      503,
      `the backend did not answer on port ${BACKEND_PORT} within ${STARTUP_TIMEOUT_MS / 1000}s ` +
        `(${String(lastError)}); see the container's logs`,
    );
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
      // One backend for the whole app: every API request goes to the same
      // instance. Use another name (a user, a room) to get one per name.
      const stub = env.CONTAINER.get(env.CONTAINER.idFromName("singleton"));
      return stub.fetch(request);
    }
    // Anything else is the frontend.
    return env.ASSETS.fetch(request);
  },
} satisfies ExportedHandler<Env>;

function errorResponse(status: number, message: string): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (status === 503) headers["Retry-After"] = "1";
  return new Response(JSON.stringify({ error: message }), { status, headers });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
