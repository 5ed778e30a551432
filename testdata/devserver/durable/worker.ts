import { DurableObject } from "cloudflare:workers";

const VERSION = "v1";

export class Counter extends DurableObject {
	constructor(ctx: DurableObjectState, env: unknown) {
		super(ctx, env);
		console.log(`Counter built by ${VERSION}`);
	}

	async increment(): Promise<string> {
		const n = ((await this.ctx.storage.get<number>("n")) ?? 0) + 1;
		await this.ctx.storage.put("n", n);
		return `${VERSION} ${n}`;
	}
}

export default {
	async fetch(request: Request, env: { COUNTER: DurableObjectNamespace<Counter> }): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname === "/count") {
			return new Response(await env.COUNTER.getByName("one").increment());
		}
		return new Response(`${VERSION} ${url.pathname}`);
	},
};
