import { DurableObject } from "cloudflare:workers";

class Counter extends DurableObject {
	count(): number {
		const n = (this.ctx.storage.kv.get<number>("n") ?? 0) + 1;
		this.ctx.storage.kv.put("n", n);
		return n;
	}
}

export class CounterA extends Counter {}
export class CounterC extends Counter {}

export default {
	async fetch(request: Request, env: { COUNTER_A: DurableObjectNamespace<CounterA> }, ctx: ExecutionContext & { exports: any }) {
		const scope = new URL(request.url).pathname.slice(1);
		const ns = scope === "a" ? env.COUNTER_A : scope === "c" ? ctx.exports.CounterC : undefined;
		if (!ns) return new Response("use /a or /c", { status: 400 });
		return Response.json({ value: await ns.getByName("x").count() });
	},
};
