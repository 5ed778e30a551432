// /run: what the version metadata binding holds, by shape where it
// differs from start to start (the id and the time).
async function run(env, started) {
	const m = env.CF_VERSION_METADATA;
	const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
	const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
	const at = Date.parse(m.timestamp);
	return [
		["typeof", typeof m],
		["keys", Object.keys(m)],
		["types", Object.values(m).map((v) => typeof v)],
		["id is a UUID", uuid.test(m.id)],
		["tag", m.tag],
		["timestamp is ISO", iso.test(m.timestamp)],
		["timestamp is the start, not now", at <= started && started - at < 10 * 60 * 1000],
		["same object each time", env.CF_VERSION_METADATA.id === m.id],
		["JSON", Object.keys(JSON.parse(JSON.stringify(m)))],
	];
}

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/run") return Response.json(await run(env, Date.now()));
		return new Response("not found", { status: 404 });
	},
};
