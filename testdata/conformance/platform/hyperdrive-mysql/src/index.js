// /run: a MySQL Hyperdrive binding's fields and connection string, and
// queries through mysql2 (the mysql-hyperdrive template's driver, with its
// options) on the fields. The host name is random per binding, so it is
// answered by shape.
import { createConnection } from "mysql2/promise";

async function answer(fn) {
	try {
		const v = await fn();
		return v === undefined ? { undefined: true } : v;
	} catch (e) {
		return { error: e.message, name: e.name, code: e.code };
	}
}

async function run(env) {
	const steps = [];
	const step = async (name, fn) => steps.push([name, await answer(fn)]);
	const h = env.HYPERDRIVE;
	const host = /^[0-9a-f]{32}\.hyperdrive\.local$/;
	await step("fields", () => ({
		host: host.test(h.host) ? "<hex32>.hyperdrive.local" : h.host,
		port: h.port,
		user: h.user,
		password: h.password,
		database: h.database,
	}));
	await step("connectionString", () => h.connectionString.replace(h.host, "<host>"));
	let conn;
	await step("connect", async () => {
		conn = await createConnection({
			host: h.host,
			user: h.user,
			password: h.password,
			database: h.database,
			port: h.port,
			// As the template: workerd has no eval.
			disableEval: true,
		});
		return "connected";
	});
	await step("select", async () => (await conn.query("SELECT 1 + 1 AS n, 'text' AS t"))[0]);
	await step("create table", async () =>
		(await conn.query("CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL)"))[0].affectedRows);
	await step("insert with parameters", async () => {
		const [r] = await conn.query("INSERT INTO notes (body) VALUES (?), (?)", ["first", "second"]);
		return { affectedRows: r.affectedRows, insertId: r.insertId };
	});
	await step("prepared statement", async () => (await conn.execute("SELECT id, body FROM notes WHERE id > ? ORDER BY id", [0]))[0]);
	await step("SQL error", () => conn.query("SELEC nothing"));
	await step("constraint error", () => conn.query("INSERT INTO notes (body) VALUES (NULL)"));
	await step("end", async () => {
		await conn.end();
		return "ended";
	});
	return steps;
}

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/run") return Response.json(await run(env));
		return new Response("not found", { status: 404 });
	},
};
