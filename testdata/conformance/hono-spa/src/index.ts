import { Hono } from "hono";

// A Hono worker in front of a single-page app. Every answer of the worker
// carries x-answered-by: worker, so that a recorded answer says who gave it.
const app = new Hono<{ Bindings: { ASSETS: Fetcher } }>();

app.use("*", async (c, next) => {
	await next();
	c.header("x-answered-by", "worker");
});

app.get("/api/hello", (c) => c.json({ hello: "world" }));
app.post("/api/echo", async (c) => c.json({ echoed: await c.req.text() }, 201));
// Never reached with static routing: "!/api/docs/*" sends these to the assets.
app.get("/api/docs/*", (c) => c.text("the worker's docs"));
app.get("/worker-page", (c) => c.html("<h1>from the worker</h1>"));
app.notFound((c) => c.text(`worker: nothing at ${c.req.path}`, 404));

export default app;
