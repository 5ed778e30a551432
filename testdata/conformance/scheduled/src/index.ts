import { env as importedEnv } from "cloudflare:workers";

interface Env {
	GREETING: string;
	KEPT: string;
}

let last = "never";

export default {
	async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
		const url = new URL(request.url);
		switch (url.pathname) {
			case "/last":
				return new Response(last);
			case "/cf":
				return Response.json(request.cf);
			case "/vars":
				return new Response(`${env.GREETING} ${env.KEPT}`);
			case "/props":
				return new Response(`${JSON.stringify((ctx as any).props)} ${importedEnv === env}`);
		}
		return new Response(`app ${url.pathname}`);
	},
	async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
		if (controller.cron === "fail") throw new Error("the cron job failed");
		ctx.waitUntil(Promise.resolve());
		last = `${controller.cron} ${controller.scheduledTime} ${controller.type} ${env.GREETING}`;
	},
} satisfies ExportedHandler<Env>;
