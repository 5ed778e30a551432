interface Env {
	ASSETS: Fetcher;
	GREETING: string;
	SECRET_TOKEN?: string;
}

export default {
	async fetch(request: Request, env: Env): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname === "/assets-binding") {
			return env.ASSETS.fetch(new URL("binding.html", request.url));
		}
		if (url.pathname === "/assets-binding-missing") {
			const res = await env.ASSETS.fetch(new URL("/does-not-exist.html", request.url));
			return new Response(`asset status ${res.status}`);
		}
		if (url.pathname === "/env") {
			return Response.json({ greeting: env.GREETING, secret: env.SECRET_TOKEN ?? null });
		}
		return new Response(`worker: ${request.method} ${url.pathname}`);
	},
} satisfies ExportedHandler<Env>;
