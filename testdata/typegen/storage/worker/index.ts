interface User {
	id: number;
	name: string;
}

export default {
	async fetch(request, env): Promise<Response> {
		const text: string | null = await env.CACHE.get("k");
		const json = await env.CACHE.get<{ n: number }>("k", "json");
		const buf: ArrayBuffer | null = await env.CACHE.get("k", "arrayBuffer");
		const stream: ReadableStream | null = await env.CACHE.get("k", { type: "stream" });
		const { value, metadata } = await env.SESSIONS.getWithMetadata<{ owner: string }>("s");
		await env.CACHE.put("k", "v", { expirationTtl: 60, metadata: { n: 1 } });
		const page = await env.CACHE.list({ prefix: "p/", limit: 10 });
		const next = page.list_complete ? null : page.cursor;
		const many: Map<string, string | null> = await env.CACHE.get(["a", "b"]);
		await env.CACHE.delete("k");

		const user = await env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(1).first<User>();
		const name = await env.DB.prepare("SELECT name FROM users").first<string>("name");
		const { results, meta } = await env.DB.prepare("SELECT * FROM users").all<User>();
		const rows = await env.DB.prepare("SELECT id FROM users").raw<[number]>();
		const [head] = await env.DB.prepare("SELECT id FROM users").raw({ columnNames: true });
		const batch = await env.DB.batch([env.DB.prepare("SELECT 1"), env.DB.prepare("SELECT 2")]);
		const { count } = await env.DB.exec("CREATE TABLE IF NOT EXISTS t (x)");
		const session = env.DB.withSession("first-unconstrained");
		const bookmark: string | null = session.getBookmark();

		const put = await env.FILES.put("a.txt", "hello", { httpMetadata: { contentType: "text/plain" }, customMetadata: { a: "b" } });
		const obj = await env.FILES.get("a.txt", { range: { offset: 0, length: 2 } });
		const maybe = await env.FILES.get("a.txt", { onlyIf: { etagMatches: put.etag } });
		const body = maybe && "body" in maybe ? await maybe.text() : null;
		const headers = new Headers();
		obj?.writeHttpMetadata(headers);
		const listing = await env.FILES.list({ prefix: "a", delimiter: "/", include: ["customMetadata"] });
		const cursor = listing.truncated ? listing.cursor : undefined;
		const upload = await env.FILES.createMultipartUpload("big.bin");
		const part = await upload.uploadPart(1, new Uint8Array(10));
		const done = await upload.complete([part]);
		await env.FILES.delete(["a.txt", "big.bin"]);

		return Response.json({
			text, json: json?.n, buf: buf?.byteLength, stream: !!stream, value, owner: metadata?.owner, next, many: many.size,
			user: user?.name, name, results: results.length, changes: meta.changes, rows: rows[0]?.[0], head, batch: batch.length, count, bookmark,
			obj: await obj?.text(), body, cursor, etag: done.etag, size: listing.objects[0]?.size, greeting: env.GREETING,
		});
	},
} satisfies ExportedHandler<Env>;
