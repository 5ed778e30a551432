// /run: every call of the rate limiting binding, in order, and what each
// answered: [[step, answer], ...]. Counts live in fixed windows, so /run
// first waits for a window with room for all its calls.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function answer(fn) {
	try {
		const v = await fn();
		return v === undefined ? { undefined: true } : v;
	} catch (e) {
		return { error: e.message, name: e.name };
	}
}

async function run(env) {
	const steps = [];
	const step = async (name, fn) => steps.push([name, await answer(fn)]);
	if (Date.now() % 60000 > 50000) await sleep(60000 - (Date.now() % 60000) + 200);
	if (Date.now() % 10000 > 7000) await sleep(10000 - (Date.now() % 10000) + 200);
	const L = env.LIMITER;
	await step("typeof", () => [typeof L, typeof L.limit]);
	for (let i = 1; i <= 4; i++) await step(`key a #${i}`, () => L.limit({ key: "a" }));
	await step("key b", () => L.limit({ key: "b" }));
	await step("outcome keys", async () => Object.keys(await L.limit({ key: "keys" })));
	await step("no key #1", () => L.limit({}));
	await step("no key #2", () => L.limit({ key: "" }));
	await step("limit override #1", () => L.limit({ key: "c", limit: 1 }));
	await step("limit override #2", () => L.limit({ key: "c", limit: 1 }));
	await step("period override", () => L.limit({ key: "d", period: 10 }));
	await step("no options", () => L.limit());
	await step("null options", () => L.limit(null));
	await step("unknown options", () => L.limit({ key: "e", foo: 1, bar: 2 }));
	await step("key not a string", () => L.limit({ key: 1 }));
	await step("limit not a number", () => L.limit({ key: "e", limit: "5" }));
	await step("period not a number", () => L.limit({ key: "e", period: "60" }));
	await step("unsupported period", () => L.limit({ key: "e", period: 30 }));
	await step("second binding #1", () => env.FAST.limit({ key: "a" }));
	await step("second binding #2", () => env.FAST.limit({ key: "a" }));
	await step("second binding, other key", () => env.FAST.limit({ key: "b" }));
	return steps;
}

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/run") return Response.json(await run(env));
		return new Response("not found", { status: 404 });
	},
};
