// Runs the fixture's cases in Node (20 or later) and compares each answer
// with wrangler dev's recording: a second opinion on the expected values,
// for the cases that do not need the Workers runtime. Run after an npm
// install in worker/:
//   node testdata/compat/node-check.mjs
// Cases whose module Node cannot load (cloudflare:workers) or that use an
// API Node lacks (HTMLRewriter, URLPattern in Node 20) are listed as such;
// Node's ICU, time zone and V8 differ from workerd's, so a difference is a
// prompt to look, not a failure.
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const recording = JSON.parse(await readFile(path.join(here, "wrangler-answers.json"), "utf8"));
const want = new Map(recording.answers.map((a) => [a.case, a]));

const dir = path.join(here, "worker", "src", "cases");
const counts = { same: 0, differs: 0, unavailable: 0 };
for (const file of (await readdir(dir)).sort()) {
	let cases;
	try {
		cases = (await import(path.join(dir, file))).default;
	} catch (e) {
		console.log(`${file}: not loadable in Node (${e.message.split("\n")[0]})`);
		continue;
	}
	for (const [name, run] of Object.entries(cases)) {
		let status = 200;
		let body;
		try {
			body = { ok: await run({ request: new Request("http://127.0.0.1/" + name), env: {}, ctx: { waitUntil() {} } }) };
		} catch (e) {
			status = 500;
			body = { error: `${e?.name}: ${e?.message}` };
		}
		const w = want.get(name);
		const got = JSON.stringify(body);
		const rec = JSON.stringify(w?.body);
		let verdict = "same";
		if (status !== w?.status || !isDeepStrictEqual(JSON.parse(got), w?.body)) {
			verdict = status === 500 && /is not defined|not a function|not supported/.test(body.error) ? "unavailable" : "differs";
		}
		counts[verdict]++;
		console.log(`${verdict.padEnd(11)} ${name}${verdict === "same" ? "" : `\n  node     ${got.slice(0, 300)}\n  wrangler ${rec?.slice(0, 300)}`}`);
	}
}
console.log(counts);
