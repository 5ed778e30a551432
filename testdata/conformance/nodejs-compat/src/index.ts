import { EventEmitter } from "node:events";
import path from "node:path";
import { format } from "node:util";
import { Buffer } from "buffer";
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";

const als = new AsyncLocalStorage<string>();

export default {
	async fetch(request: Request, env: { DB_HOSTNAME: string }): Promise<Response> {
		const e = new EventEmitter();
		let got = "";
		e.on("x", (v: string) => (got = v));
		e.emit("x", Buffer.from("aGVsbG8=", "base64").toString());
		const body = await als.run("ctx", async () => ({
			events: got,
			join: path.join("/a", "b", "../c"),
			format: format("%s=%d", "n", 42),
			als: als.getStore(),
			sha1: createHash("sha1").update("abc").digest("hex"),
			env: env.DB_HOSTNAME,
			processEnv: typeof process !== "undefined" ? process.env.DB_HOSTNAME ?? null : "no process",
		}));
		return Response.json(body);
	},
};
