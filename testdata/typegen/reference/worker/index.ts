// The reference worker of seed-architecture.md, written out in full: /api/*
// goes to the Durable Object class Container, which owns a container running
// the backend on port 3210; everything else is served from the assets.
import { DurableObject, RpcTarget, WorkerEntrypoint, env as moduleEnv } from "cloudflare:workers";

const BACKEND_PORT = 3210;

interface Stats {
	requests: number;
	startedAt: number | null;
}

export class Container extends DurableObject<Env> {
	container?: globalThis.Container;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.container = ctx.container;
		if (this.container && !this.container.running) {
			this.container.start({
				env: { API_VERSION: env.API_VERSION, INSTANCE_NAME: "valet-container" },
				entrypoint: ["/backend", "--port", String(BACKEND_PORT)],
				enableInternet: false,
			});
			ctx.waitUntil(this.watch(this.container));
		}
		ctx.blockConcurrencyWhile(async () => {
			this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL)");
			const started = await this.ctx.storage.get<number>("startedAt");
			if (started === undefined) {
				await this.ctx.storage.put("startedAt", Date.now());
			}
		});
	}

	// Restart the backend when it exits; give up after it failed to stay up.
	private async watch(container: globalThis.Container): Promise<void> {
		try {
			await container.monitor();
		} catch (err) {
			console.error("container exited:", err);
			await this.ctx.storage.setAlarm(Date.now() + 1000);
		}
	}

	async fetch(req: Request): Promise<Response> {
		if (!this.container) {
			return new Response("this Durable Object has no container", { status: 500 });
		}
		this.ctx.storage.sql.exec("INSERT INTO hits (at) VALUES (?)", Date.now());
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(new DOMException("backend timeout", "TimeoutError")), 30_000);
		try {
			return await this.container.getTcpPort(BACKEND_PORT).fetch(req.url, req);
		} catch (err) {
			return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: 502 });
		} finally {
			clearTimeout(timer);
		}
	}

	async alarm(info?: AlarmInvocationInfo): Promise<void> {
		if (this.container && !this.container.running) {
			this.container.start({ enableInternet: false });
		}
		if (info?.isRetry) {
			console.warn("alarm retry", info.retryCount);
		}
		const next = await this.ctx.storage.getAlarm();
		if (next === null) {
			await this.ctx.storage.deleteAlarm();
		}
	}

	// RPC: called through the namespace stub as `await stub.stats()`.
	async stats(): Promise<Stats> {
		const row = this.ctx.storage.sql
			.exec<{ n: number }>("SELECT count(*) AS n FROM hits")
			.one();
		const startedAt = (await this.ctx.storage.get<number>("startedAt")) ?? null;
		return { requests: row.n, startedAt };
	}

	async reset(): Promise<void> {
		await this.ctx.storage.transaction(async (txn) => {
			await txn.delete("startedAt");
		});
		this.ctx.storage.kv.put("resetAt", Date.now());
		const entries = await this.ctx.storage.list<number>({ prefix: "started" });
		for (const [key, value] of entries) {
			console.log(key, value.toFixed(0));
		}
		await this.ctx.storage.deleteAll();
		await this.ctx.storage.sync();
		if (this.container?.running) {
			this.container.signal(15);
			await this.container.destroy("reset");
		}
		this.ctx.abort("reset");
	}
}

export class Admin extends WorkerEntrypoint<Env> {
	async version(): Promise<string> {
		return this.env.API_VERSION;
	}
}

export class Counter extends RpcTarget {
	#n = 0;
	increment(): number {
		return ++this.#n;
	}
}

async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function streamLines(lines: string[]): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	return new ReadableStream<Uint8Array>({
		start(controller) {
			for (const line of lines) controller.enqueue(encoder.encode(line + "\n"));
			controller.close();
		},
	});
}

export default {
	async fetch(request, env, ctx): Promise<Response> {
		const url = new URL(request.url);

		if (url.pathname === "/api/stats") {
			const stub = env.CONTAINER.get(env.CONTAINER.idFromName("singleton"));
			const stats = await stub.stats();
			return Response.json({ ...stats, id: stub.id.toString(), version: env.API_VERSION });
		}
		if (url.pathname === "/api/stream") {
			const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
			ctx.waitUntil(streamLines(["a", "b"]).pipeTo(writable));
			return new Response(readable, { headers: { "content-type": "text/plain" } });
		}
		if (url.pathname === "/api/echo" && request.method === "POST") {
			const body = await request.json<{ text: string }>();
			const reader = streamLines([body.text]).getReader();
			const chunks: Uint8Array[] = [];
			for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
			const decoded = new TextDecoder().decode(chunks[0]);
			const form = new FormData();
			form.append("file", new Blob([decoded], { type: "text/plain" }), "echo.txt");
			const headers = new Headers({ "x-id": crypto.randomUUID() });
			headers.set("x-hash", await sha256Hex(decoded));
			for (const [k, v] of headers) console.debug(k, v);
			return new Response(form, { headers });
		}
		if (url.pathname === "/api/ws") {
			const [client, server] = Object.values(new WebSocketPair());
			server.accept();
			server.addEventListener("message", (event) => server.send(`echo ${String(event.data)}`));
			return new Response(null, { status: 101, webSocket: client });
		}
		if (url.pathname.startsWith("/api/")) {
			const params = new URLSearchParams(url.search);
			const name = params.get("instance") ?? "singleton";
			const token = btoa(`${name}:${moduleEnv.API_VERSION}`);
			const copy = structuredClone({ token, decoded: atob(token) });
			console.log("api", copy.decoded, env.DEBUG, env.BACKEND_PORT + 1);
			const bytes = crypto.getRandomValues(new Uint8Array(8));
			const headers = new Headers(request.headers);
			headers.set("x-request-nonce", bytes.join("."));
			headers.set("x-admin-key-set", String(env.CONVEX_ADMIN_KEY.length > 0));
			const features = env.FEATURES;
			if (features.auth) headers.set("x-regions", features.regions.join(","));
			return env.CONTAINER.getByName(name).fetch(new Request(request, { headers }));
		}
		return env.ASSETS.fetch(request);
	},

	async scheduled(controller, env, ctx) {
		ctx.waitUntil(env.CONTAINER.getByName("singleton").reset());
		console.log("cron", controller.cron, controller.scheduledTime);
	},
} satisfies ExportedHandler<Env>;
