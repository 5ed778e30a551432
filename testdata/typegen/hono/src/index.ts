// A Hono worker with a counter Durable Object and a container-backed one
// written with @cloudflare/containers, as Cloudflare's templates do.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { streamText } from "hono/streaming";
import { DurableObject } from "cloudflare:workers";
import { Container, getContainer } from "@cloudflare/containers";

export class Counter extends DurableObject<Env> {
	async increment(by = 1): Promise<number> {
		const n = (this.ctx.storage.kv.get<number>("n") ?? 0) + by;
		this.ctx.storage.kv.put("n", n);
		return n;
	}

	async history(): Promise<Array<{ at: number }>> {
		return this.ctx.storage.sql.exec<{ at: number }>("SELECT at FROM history ORDER BY at").toArray();
	}
}

export class Sandbox extends Container<Env> {
	defaultPort = 8080;
	sleepAfter = "5m";
	envVars = { GREETING: "from the container" };

	override onStart(): void {
		console.log("sandbox started");
	}

	override onError(error: unknown): void {
		console.error("sandbox error", error);
	}
}

type Variables = { requestId: string };

const app = new Hono<{ Bindings: Env; Variables: Variables }>();

app.use("/api/*", cors());
app.use(async (c, next) => {
	c.set("requestId", crypto.randomUUID());
	await next();
	c.header("x-request-id", c.get("requestId"));
});

app.get("/api/hello", (c) => c.json({ greeting: c.env.GREETING, max: c.env.MAX_ITEMS, id: c.get("requestId") }));

app.post("/api/counter/:name", async (c) => {
	const stub = c.env.COUNTER.getByName(c.req.param("name"));
	const body = await c.req.json<{ by?: number }>();
	const value = await stub.increment(body.by ?? 1);
	const history = await stub.history();
	return c.json({ value, entries: history.length });
});

app.all("/sandbox/*", async (c) => {
	if (!c.env.JWT_SECRET) throw new HTTPException(500, { message: "JWT_SECRET is not set" });
	const sandbox = getContainer(c.env.SANDBOX, "main");
	return sandbox.fetch(c.req.raw);
});

// nodejs_compat: vars and secrets are strings on process.env too.
app.get("/node", (c) => {
	const greeting: "hello" = process.env.GREETING;
	const secret: string = process.env.JWT_SECRET;
	return c.text(`${greeting} ${secret.length} ${process.env.MAX_ITEMS}`);
});

app.get("/stream", (c) =>
	streamText(c, async (stream) => {
		for (const word of ["a", "b", "c"]) {
			await stream.writeln(word);
			await stream.sleep(10);
		}
	}),
);

app.onError((err, c) => {
	if (err instanceof HTTPException) return err.getResponse();
	return c.text(`internal error: ${err.message}`, 500);
});

app.notFound((c) => c.env.ASSETS.fetch(c.req.raw));

export default app;

// The object form works too.
export const handler = { fetch: app.fetch } satisfies ExportedHandler<Env>;
