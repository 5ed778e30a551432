import { DurableObject } from "cloudflare:workers";

interface Env {
	COUNTER: DurableObjectNamespace;
	SQL_COUNTER: DurableObjectNamespace<SqlCounter>;
}

// Counter is the classic fetch-based object: its value lives in the KV
// storage API, its constructor blocks concurrency while it loads it.
export class Counter {
	state: DurableObjectState;
	value = 0;
	loaded = false;

	constructor(state: DurableObjectState) {
		this.state = state;
		this.state.blockConcurrencyWhile(async () => {
			await new Promise((r) => setTimeout(r, 50));
			this.value = (await this.state.storage.get<number>("count")) ?? 0;
			this.loaded = true;
		});
	}

	async fetch(request: Request): Promise<Response> {
		const url = new URL(request.url);
		switch (url.pathname) {
			case "/increment":
				this.value++;
				await this.state.storage.put("count", this.value);
				break;
			case "/loaded":
				return new Response(String(this.loaded));
			case "/id":
				return new Response(this.state.id.toString());
			case "/list": {
				await this.state.storage.put({ "a:1": 1, "a:2": 2, "a:3": 3, "b:1": 4 });
				const q = url.searchParams;
				const opts: DurableObjectListOptions = {};
				if (q.has("prefix")) opts.prefix = q.get("prefix")!;
				if (q.has("start")) opts.start = q.get("start")!;
				if (q.has("startAfter")) opts.startAfter = q.get("startAfter")!;
				if (q.has("end")) opts.end = q.get("end")!;
				if (q.has("limit")) opts.limit = Number(q.get("limit"));
				if (q.has("reverse")) opts.reverse = true;
				const m = await this.state.storage.list(opts);
				return Response.json([...m.keys()]);
			}
			case "/ws": {
				const pair = new WebSocketPair();
				const server = pair[1];
				server.accept();
				server.addEventListener("message", (e) => server.send(`echo:${e.data}`));
				return new Response(null, { status: 101, webSocket: pair[0] });
			}
		}
		return new Response(String(this.value));
	}
}

// SqlCounter is the RPC shape of create-cloudflare's hello-world-durable-object
// template and the durable-objects-exports-app fixture.
export class SqlCounter extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			this.ctx.storage.sql.exec(
				"CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0)",
			);
			this.ctx.storage.sql.exec("INSERT OR IGNORE INTO counter (id, value) VALUES (1, 0)");
		});
	}

	value(): number {
		return this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM counter WHERE id = 1").one().value;
	}

	increment(by = 1): { value: number; rowsWritten: number } {
		const c = this.ctx.storage.sql.exec("UPDATE counter SET value = value + ? WHERE id = 1", by);
		c.toArray();
		return { value: this.value(), rowsWritten: c.rowsWritten };
	}

	sqlite(): unknown {
		this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER)");
		this.ctx.storage.sql.exec("DELETE FROM t");
		const ins = this.ctx.storage.sql.exec("INSERT INTO t VALUES ('a', 1), ('b', 2), ('c', 3)");
		ins.toArray();
		const rows = this.ctx.storage.sql.exec("SELECT k, v FROM t ORDER BY k").toArray();
		const iter: string[] = [];
		for (const r of this.ctx.storage.sql.exec<{ k: string }>("SELECT k FROM t ORDER BY k DESC")) iter.push(r.k);
		const raw = [...this.ctx.storage.sql.exec("SELECT k, v FROM t ORDER BY k").raw()];
		const cursor = this.ctx.storage.sql.exec("SELECT k, v FROM t");
		let oneErr = "";
		try {
			this.ctx.storage.sql.exec("SELECT k FROM t").one();
		} catch (e) {
			oneErr = String((e as Error).message);
		}
		return { rows, iter, raw, columnNames: cursor.columnNames, insertWritten: ins.rowsWritten, oneErr };
	}

	fail(msg: string): never {
		throw new RangeError(msg);
	}

	async scheduleAlarm(ms: number): Promise<number | null> {
		await this.ctx.storage.put("alarmed", 0);
		await this.ctx.storage.setAlarm(Date.now() + ms);
		return this.ctx.storage.getAlarm();
	}

	async alarmed(): Promise<{ count: number; pending: number | null }> {
		return { count: (await this.ctx.storage.get<number>("alarmed")) ?? 0, pending: await this.ctx.storage.getAlarm() };
	}

	async alarm(): Promise<void> {
		const n = (await this.ctx.storage.get<number>("alarmed")) ?? 0;
		await this.ctx.storage.put("alarmed", n + 1);
	}
}

export default {
	async fetch(request: Request, env: Env): Promise<Response> {
		const url = new URL(request.url);
		const name = url.searchParams.get("name") ?? "default";
		const [, scope, action = ""] = url.pathname.split("/");
		if (scope === "kv") {
			const stub = env.COUNTER.get(env.COUNTER.idFromName(name));
			return stub.fetch(new URL("/" + action + url.search, request.url), request);
		}
		if (scope === "ids") {
			const a = env.COUNTER.idFromName(name);
			const b = env.COUNTER.idFromName(name);
			const other = env.COUNTER.idFromName(name + "-other");
			const unique = env.COUNTER.newUniqueId();
			const viaString = env.COUNTER.idFromString(a.toString());
			const inside = await (await env.COUNTER.get(a).fetch("http://do/id")).text();
			return Response.json({
				id: a.toString(),
				equal: a.equals(b),
				sameString: a.toString() === b.toString(),
				differs: a.toString() !== other.toString(),
				name: a.name,
				hex: /^[0-9a-f]{64}$/.test(a.toString()),
				uniqueHex: /^[0-9a-f]{64}$/.test(unique.toString()),
				viaString: viaString.equals(a),
				inside: inside === a.toString(),
			});
		}
		if (scope === "sql") {
			const stub = env.SQL_COUNTER.getByName(name);
			switch (action) {
				case "":
					return Response.json({ value: await stub.value() });
				case "increment":
					return Response.json(await stub.increment(Number(url.searchParams.get("by") ?? 1)));
				case "sqlite":
					return Response.json(await stub.sqlite());
				case "fail":
					try {
						await stub.fail("too far");
						return new Response("no error", { status: 500 });
					} catch (e) {
						const err = e as Error;
						return Response.json({ name: err.name, message: err.message, isRangeError: err instanceof RangeError });
					}
				case "alarm":
					return Response.json({ scheduled: await stub.scheduleAlarm(Number(url.searchParams.get("ms") ?? 100)) });
				case "alarmed":
					return Response.json(await stub.alarmed());
			}
		}
		return new Response("not found", { status: 404 });
	},
};
