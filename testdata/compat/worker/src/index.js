// One route per case: GET /<case> runs it and answers {"ok": value}, or
// {"error": "Name: message"} with status 500 when it throws. GET / lists
// the cases. Every value is deterministic: fixed inputs, fixed dates, fixed
// keys; where a library is random (nanoid, ECDSA) the case answers what
// does not change (shape, verification).
import webapi from "./cases/webapi.js";
import language from "./cases/language.js";
import webcrypto from "./cases/webcrypto.js";
import node from "./cases/node.js";
import packages from "./cases/packages.js";
import render from "./cases/render.js";
import data from "./cases/data.js";
import codegen from "./cases/codegen.js";
import platform from "./cases/platform.js";

const cases = { ...webapi, ...language, ...webcrypto, ...node, ...packages, ...render, ...data, ...codegen, ...platform };

export default {
	async fetch(request, env, ctx) {
		const name = new URL(request.url).pathname.slice(1);
		if (name === "") {
			return Response.json(Object.keys(cases));
		}
		const run = Object.hasOwn(cases, name) ? cases[name] : undefined;
		if (!run) {
			return Response.json({ error: `no case ${name}` }, { status: 404 });
		}
		try {
			return Response.json({ ok: await run({ request, env, ctx }) });
		} catch (e) {
			return Response.json({ error: `${e?.name}: ${e?.message}` }, { status: 500 });
		}
	},
};
