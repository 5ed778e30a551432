export default {
	async fetch(request: Request, env: { ASSETS: Fetcher }): Promise<Response> {
		if (!request.headers.get("Authorization")) {
			return new Response("Forbidden", { status: 403, statusText: "Forbidden", headers: { "Content-Type": "text/plain" } });
		}
		return env.ASSETS.fetch(request);
	},
};
