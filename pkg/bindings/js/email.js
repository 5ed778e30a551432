// The send_email binding (config "send_email"): a WorkerEntrypoint whose
// send() checks a message as Cloudflare would, then writes it to the local
// outbox instead of sending it, and logs where. The outbox keeps wrangler
// dev's layout: email/<id>.eml for a raw message, email-text/, email-html/
// and email-attachment/ for the parts of a message built from fields.
// env: OUTBOX (the outbox directory, a writable disk service), DIR (its
// path, for the log), and the binding's config (destination_address,
// allowed_destination_addresses, allowed_sender_addresses).
import { WorkerEntrypoint } from "cloudflare:workers";

const RAW = "EmailMessage::raw";

function address(a) {
	return typeof a === "string" ? a : a.email;
}

function display(a) {
	return typeof a === "string" ? a : `"${a.name}" <${a.email}>`;
}

function list(v) {
	return Array.isArray(v) ? v : [v];
}

// headers returns the header fields of a raw message, names lowercased,
// continuation lines unfolded.
function headers(raw) {
	const text = new TextDecoder().decode(raw);
	const end = text.search(/\r?\n\r?\n/);
	const head = end < 0 ? text : text.slice(0, end);
	const out = [];
	for (const line of head.split(/\r?\n/)) {
		if (/^[ \t]/.test(line) && out.length > 0) {
			out[out.length - 1][1] += " " + line.trim();
			continue;
		}
		const i = line.indexOf(":");
		if (i > 0) out.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
	}
	return out;
}

// mailbox is the address of a From: value ("Name <a@b>" or "a@b").
function mailbox(v) {
	const m = /<([^>]*)>/.exec(v);
	return (m ? m[1] : v.replace(/\([^)]*\)/g, "")).trim().replace(/^"|"$/g, "");
}

function messageId(from) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const id = Array.from(crypto.getRandomValues(new Uint8Array(36)), (b) => alphabet[b % alphabet.length]).join("");
	return `<${id}@${from.slice(from.lastIndexOf("@") + 1)}>`;
}

export class SendEmailBinding extends WorkerEntrypoint {
	checkTo(to) {
		const { destination_address: only, allowed_destination_addresses: allowed } = this.env;
		if ((only !== undefined && to !== only) || (allowed !== undefined && !allowed.includes(to))) {
			throw new Error(`email to ${to} not allowed`);
		}
	}

	checkFrom(from) {
		const allowed = this.env.allowed_sender_addresses;
		if (allowed !== undefined && !allowed.includes(from)) throw new Error(`email from ${from} not allowed`);
	}

	// store writes content to the outbox and returns the file's path.
	async store(content, ext, prefix) {
		const name = `${prefix}/${crypto.randomUUID()}.${ext}`;
		const res = await this.env.OUTBOX.fetch(`http://outbox/${name}`, { method: "PUT", body: content });
		if (!res.ok) throw new Error(`send_email: writing ${this.env.DIR}/${name} failed: ${res.status}`);
		return `${this.env.DIR}/${name}`;
	}

	async send(message) {
		if (message !== null && typeof message === "object" && RAW in message) {
			return this.sendRaw(message);
		}
		return this.sendBuilt(message);
	}

	async sendRaw(message) {
		this.checkFrom(message.from);
		for (const to of list(message.to)) this.checkTo(to);
		const raw = new Uint8Array(await new Response(message[RAW]).arrayBuffer());
		const fields = headers(raw);
		const get = (name) => fields.find(([k]) => k === name)?.[1];
		if (!get("message-id")) throw new Error("invalid message-id");
		if (message.from !== mailbox(get("from") ?? "")) throw new Error("From: header does not match mail from");
		if (get("received") !== undefined) throw new Error("invalid headers set");
		const file = await this.store(raw, "eml", "email");
		console.log(`send_email binding called with the following message:\n  ${file}`);
		return { messageId: messageId(message.from) };
	}

	async sendBuilt(b) {
		this.checkFrom(address(b.from));
		for (const to of list(b.to)) this.checkTo(address(to));
		const files = [];
		if (b.text) files.push(`Text: ${await this.store(b.text, "txt", "email-text")}`);
		if (b.html) files.push(`HTML: ${await this.store(b.html, "html", "email-html")}`);
		for (const a of b.attachments ?? []) {
			const ext = /\.([^.]+)$/.exec(a.filename)?.[1] ?? "bin";
			files.push(`Attachment (${a.disposition}): ${a.filename} -> ${await this.store(a.content, ext, "email-attachment")}`);
		}
		const head = [`From: ${display(b.from)}`, `To: ${list(b.to).map(display).join(", ")}`];
		if (b.cc) head.push(`Cc: ${list(b.cc).map(display).join(", ")}`);
		if (b.bcc) head.push(`Bcc: ${list(b.bcc).map(display).join(", ")}`);
		head.push(`Subject: ${b.subject}`);
		const tail = files.length > 0 ? `\n\n${files.join("\n")}` : "";
		console.log(`send_email binding called with MessageBuilder:\n${head.join("\n")}${tail}`);
		return { messageId: messageId(address(b.from)) };
	}
}

export default {
	fetch() {
		return new Response("send_email binding", { status: 404 });
	},
};
