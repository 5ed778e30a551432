// /run: writeDataPoint in each form, and what it answered. The points
// written are the ones the test then finds in valet's local files.
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
	await step("typeof", () => [typeof env.EVENTS, typeof env.EVENTS.writeDataPoint]);
	await step("returns at once", () => {
		const r = env.EVENTS.writeDataPoint({ indexes: ["user-1"], blobs: ["GET", "/a"], doubles: [200, 1.5] });
		return r instanceof Promise ? "a promise" : r === undefined ? "undefined" : typeof r;
	});
	await step("ArrayBuffer blob", () => env.EVENTS.writeDataPoint({ blobs: [new TextEncoder().encode("bytes").buffer], doubles: [] }));
	await step("empty point", () => env.EVENTS.writeDataPoint({}));
	await step("no point", () => env.EVENTS.writeDataPoint());
	await step("dataset by default", () => env.UNNAMED.writeDataPoint({ blobs: ["x"] }));
	return steps;
}

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/run") return Response.json(await run(env));
		return new Response("not found", { status: 404 });
	},
};
