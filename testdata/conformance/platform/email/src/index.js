// /run: every way of sending through the send_email binding, in order, and
// what each answered: [[step, answer], ...]. Message ids are random, so
// they are answered by shape. The messages that go out are listed in
// SENT, which the test compares with the outbox.
import { EmailMessage } from "cloudflare:email";

async function answer(fn) {
	try {
		const v = await fn();
		return v === undefined ? { undefined: true } : v;
	} catch (e) {
		return { error: e.message, name: e.name };
	}
}

// id answers a send's result by its shape.
function id(result, domain) {
	const ok = new RegExp(`^<[A-Za-z0-9]{36}@${domain.replace(".", "\\.")}>$`);
	return { keys: Object.keys(result), messageId: ok.test(result.messageId) ? `<36 chars@${domain}>` : result.messageId };
}

function raw({ from = "me@example.com", to = "you@example.com", id = "<m1@example.com>", extra = "" } = {}) {
	return [`From: Me <${from}>`, `To: ${to}`, id ? `Message-ID: ${id}` : "", "Subject: hello", extra, "", "body text"]
		.filter((l, i, a) => l !== "" || i === a.length - 2)
		.join("\r\n");
}

function stream(text) {
	return new ReadableStream({
		start(c) {
			c.enqueue(new TextEncoder().encode(text));
			c.close();
		},
	});
}

async function run(env) {
	const steps = [];
	const step = async (name, fn) => steps.push([name, await answer(fn)]);
	await step("typeof", () => [typeof env.EMAIL, typeof env.EMAIL.send]);
	await step("EmailMessage", () => {
		const m = new EmailMessage("me@example.com", "you@example.com", raw());
		return [m.from, m.to, Object.keys(m).length];
	});
	await step("raw", async () => id(await env.EMAIL.send(new EmailMessage("me@example.com", "you@example.com", raw())), "example.com"));
	await step("raw as a stream", async () =>
		id(await env.EMAIL.send(new EmailMessage("me@example.com", "you@example.com", stream(raw({ id: "<m2@example.com>" })))), "example.com"));
	await step("no Message-ID", () => env.EMAIL.send(new EmailMessage("me@example.com", "you@example.com", raw({ id: "" }))));
	await step("From: differs", () => env.EMAIL.send(new EmailMessage("other@example.com", "you@example.com", raw())));
	await step("Received: set", () =>
		env.EMAIL.send(new EmailMessage("me@example.com", "you@example.com", raw({ extra: "Received: from somewhere" }))));
	await step("destination_address, other", () => env.ONE.send(new EmailMessage("me@example.com", "two@example.com", raw({ to: "two@example.com" }))));
	await step("destination_address", async () =>
		id(await env.ONE.send(new EmailMessage("me@example.com", "one@example.com", raw({ to: "one@example.com", id: "<m3@example.com>" }))), "example.com"));
	await step("allowed_sender_addresses, other", () =>
		env.LIST.send(new EmailMessage("you@example.com", "a@example.com", raw({ from: "you@example.com", to: "a@example.com" }))));
	await step("allowed_destination_addresses, other", () =>
		env.LIST.send(new EmailMessage("me@example.com", "c@example.com", raw({ to: "c@example.com" }))));
	await step("allowed addresses", async () =>
		id(await env.LIST.send(new EmailMessage("me@example.com", "b@example.com", raw({ to: "b@example.com", id: "<m4@example.com>" }))), "example.com"));
	await step("builder", async () =>
		id(
			await env.EMAIL.send({
				from: "me@example.com",
				to: "you@example.com",
				subject: "built",
				text: "plain body",
				html: "<p>html body</p>",
				attachments: [{ disposition: "attachment", filename: "notes.txt", type: "text/plain", content: "attached" }],
			}),
			"example.com",
		));
	await step("builder with names", async () =>
		id(
			await env.EMAIL.send({
				from: { name: "Me", email: "me@example.org" },
				to: [{ name: "A", email: "a@example.com" }, "b@example.com"],
				cc: "c@example.com",
				subject: "named",
				text: "second body",
			}),
			"example.org",
		));
	await step("builder, destination_address other", () =>
		env.ONE.send({ from: "me@example.com", to: "two@example.com", subject: "x", text: "x" }));
	await step("builder, sender not allowed", () =>
		env.LIST.send({ from: { name: "You", email: "you@example.com" }, to: "a@example.com", subject: "x", text: "x" }));
	return steps;
}

export default {
	async fetch(request, env) {
		const url = new URL(request.url);
		if (url.pathname === "/run") return Response.json(await run(env));
		return new Response("not found", { status: 404 });
	},
};
