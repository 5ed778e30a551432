import { connect } from "cloudflare:sockets";
import { EmailMessage } from "cloudflare:email";

export default {
	async fetch(request, env) {
		const socket = connect({ hostname: env.HYPERDRIVE.host, port: env.HYPERDRIVE.port });
		const writer = socket.writable.getWriter();
		await writer.write(new Uint8Array([0]));
		await socket.close();
		const direct: Socket = env.HYPERDRIVE.connect();
		await direct.opened;
		const url: string = env.HYPERDRIVE.connectionString;

		const { success } = await env.LIMITER.limit({ key: request.url });
		if (!success) return new Response("slow down", { status: 429 });

		const { id, tag, timestamp } = env.CF_VERSION_METADATA;

		const sent = await env.EMAIL.send(new EmailMessage("me@example.com", "you@example.com", "raw"));
		await env.EMAIL.send({
			from: { name: "Me", email: "me@example.com" },
			to: ["a@example.com"],
			subject: "hi",
			text: "body",
			attachments: [{ disposition: "attachment", filename: "a.txt", type: "text/plain", content: "x" }],
		});

		const key: string = await env.API_KEY.get();

		env.EVENTS.writeDataPoint({ indexes: ["a"], blobs: ["b", null], doubles: [1] });

		const answer = await env.AI.run("@cf/meta/llama-3.1-8b-instruct", { prompt: "hi" });
		const page = await env.BROWSER.fetch("http://browser/");

		return Response.json({ url, id, tag, timestamp, messageId: sent.messageId, key, answer, status: page.status });
	},
} satisfies ExportedHandler<Env>;
