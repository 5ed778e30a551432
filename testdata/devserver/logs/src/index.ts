import { DurableObject } from "cloudflare:workers";

interface Env {
	ALARMS: DurableObjectNamespace<Alarms>;
}

export class Alarms extends DurableObject {
	async arm(): Promise<void> {
		await this.ctx.storage.setAlarm(Date.now() + 10);
	}

	async alarm(): Promise<void> {
		await this.ctx.storage.deleteAlarm();
		throw new Error("the alarm failed");
	}
}

export default {
	async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
		const url = new URL(request.url);
		switch (url.pathname) {
			case "/console":
				console.log("hello", { a: 1 });
				console.warn("careful");
				console.error("bad", new Error("logged"));
				return new Response("logged");
			case "/wait":
				ctx.waitUntil(Promise.reject(new Error("later")));
				return new Response("waiting");
			case "/alarm":
				await env.ALARMS.getByName("a").arm();
				return new Response("armed");
		}
		return new Response("not found", { status: 404 });
	},
};
