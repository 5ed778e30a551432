import { Buffer } from "node:buffer";
import { greet } from "greeter";
import page from "./data/page.html";
import notes from "./data/notes.txt";
import { now } from "./lib/dep";

declare const __BUILD_ID__: string;
declare const FEATURE_FLAG: boolean;

export default {
	async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
		const { pathname, origin } = new URL(request.url);
		switch (pathname) {
			case "/html":
				return new Response(page, { headers: { "Content-Type": "text/html;charset=utf-8" } });
			case "/text":
				return new Response(notes);
			case "/alias":
				return new Response(greet("valet"));
			case "/define":
				return Response.json({ build: __BUILD_ID__, flag: FEATURE_FLAG });
			case "/node":
				return new Response(Buffer.from("aGVsbG8=", "base64").toString());
			case "/env":
				return Response.json(env.FOO ?? null);
			case "/error":
				throw new Error("Oops!");
			case "/redirect":
				return Response.redirect(`${origin}/foo`);
			case "/cookie":
				return new Response("", {
					headers: [
						["Set-Cookie", "hello=world; Domain=127.0.0.1"],
						["Set-Cookie", "hello2=world2; Secure"],
					],
				});
			case "/now":
				return new Response(String(now() > 0));
		}
		if (request.headers.get("X-Test-URL") !== null) return new Response(request.url);
		return new Response("not found", { status: 404 });
	},
};
