// /run: what each Secrets Store binding answers, after
// `secrets-store secret create store1 --name api-key --value s3cret-value`
// stored the one secret locally (README.md).
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
	await step("typeof", () => [typeof env.API_KEY, typeof env.API_KEY.get]);
	await step("get", () => env.API_KEY.get());
	await step("get again", () => env.API_KEY.get());
	await step("missing secret", () => env.MISSING.get());
	await step("same name, other store", () => env.OTHER_STORE.get());
	return steps;
}

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/run") return Response.json(await run(env));
		return new Response("not found", { status: 404 });
	},
};
