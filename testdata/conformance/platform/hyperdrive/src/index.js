// /run: the Hyperdrive binding's fields, queries through node-postgres
// (pg) on its connection string, and raw sockets to its host through
// connect() from cloudflare:sockets and the binding's own connect(). The
// host name is random per binding, so it is answered by shape.
import { connect } from "cloudflare:sockets";
import pg from "pg";

async function answer(fn) {
	try {
		const v = await fn();
		return v === undefined ? { undefined: true } : v;
	} catch (e) {
		return { error: e.message, name: e.name, code: e.code };
	}
}

// sslRequest sends PostgreSQL's SSLRequest on socket and answers the
// server's one-byte reply ("N": no TLS, "S": TLS).
async function sslRequest(socket) {
	const w = socket.writable.getWriter();
	await w.write(new Uint8Array([0, 0, 0, 8, 4, 210, 22, 47]));
	const r = socket.readable.getReader();
	const { value } = await r.read();
	await socket.close();
	return String.fromCharCode(value[0]);
}

async function run(env) {
	const steps = [];
	const step = async (name, fn) => steps.push([name, await answer(fn)]);
	const h = env.HYPERDRIVE;
	const host = /^[0-9a-f]{32}\.hyperdrive\.local$/;
	await step("typeof", () => [typeof h, typeof h.connect]);
	await step("fields", () => ({
		host: host.test(h.host) ? "<hex32>.hyperdrive.local" : h.host,
		port: h.port,
		user: h.user,
		password: h.password,
		database: h.database,
	}));
	await step("connectionString", () => h.connectionString.replace(h.host, "<host>"));
	const client = new pg.Client({ connectionString: h.connectionString });
	await step("pg connect", async () => {
		await client.connect();
		return "connected";
	});
	await step("select", async () => (await client.query("SELECT 1 + 1 AS n, 'text'::text AS t")).rows);
	await step("create table", async () => (await client.query("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")).command);
	await step("insert with parameters", async () =>
		(await client.query("INSERT INTO notes (body) VALUES ($1), ($2) RETURNING id, body", ["first", "second"])).rows);
	await step("select rows", async () => (await client.query("SELECT id, body FROM notes ORDER BY id")).rows);
	await step("SQL error", () => client.query("SELEC nothing"));
	await step("constraint error", () => client.query("INSERT INTO notes (body) VALUES (NULL)"));
	await step("pg end", async () => {
		await client.end();
		return "ended";
	});
	await step("a second client", async () => {
		const c = new pg.Client({ connectionString: h.connectionString });
		await c.connect();
		const { rows } = await c.query("SELECT count(*)::int AS n FROM notes");
		await c.end();
		return rows;
	});
	await step("connect() from cloudflare:sockets", () => sslRequest(connect({ hostname: h.host, port: h.port })));
	await step("the binding's connect()", () => sslRequest(h.connect()));
	return steps;
}

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/run") return Response.json(await run(env));
		return new Response("not found", { status: 404 });
	},
};
