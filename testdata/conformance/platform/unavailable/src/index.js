// /run: the app runs with bindings that have no local implementation;
// what using them answers.
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
	await step("the rest of the app runs", () => env.GREETING);
	await step("typeof", () => [typeof env.AI, typeof env.BROWSER]);
	await step("AI.run", () => env.AI.run("@cf/meta/llama-3.1-8b-instruct", { prompt: "hello" }));
	await step("BROWSER.fetch", async () => {
		const r = await env.BROWSER.fetch("http://browser/v1/acquire");
		return { status: r.status };
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
