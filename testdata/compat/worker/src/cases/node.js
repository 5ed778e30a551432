// Node's built-ins under nodejs_compat, as npm packages import them.
import { Buffer } from "node:buffer";
import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { EventEmitter, once } from "node:events";
import path from "node:path";
import { format, inspect, promisify, types } from "node:util";
import { AsyncLocalStorage } from "node:async_hooks";
import { Readable } from "node:stream";
import { gzipSync, gunzipSync } from "node:zlib";
import assert from "node:assert";
import { StringDecoder } from "string_decoder";
import { parse as parseQuery } from "node:querystring";
import { fileURLToPath } from "node:url";
import { createPrivateKey, createPublicKey } from "node:crypto";
import jwt from "jsonwebtoken";
import { rsa } from "../keys.js";

const als = new AsyncLocalStorage();
const iat = 1700000000;

export default {
	"node-buffer-crypto": () => {
		const b = Buffer.from("héllo wörld");
		return {
			base64: b.toString("base64"),
			hex: Buffer.from("ab").toString("hex"),
			base64url: Buffer.from([251, 255]).toString("base64url"),
			concat: Buffer.concat([Buffer.from("a"), Buffer.alloc(2, "b")]).toString(),
			readUInt32BE: Buffer.from([0, 0, 1, 0]).readUInt32BE(0),
			sha256: createHash("sha256").update("abc").digest("hex"),
			md5: createHash("md5").update("abc").digest("base64"),
			hmac: createHmac("sha1", "key").update("data").digest("hex"),
			random: randomBytes(8).length,
			scrypt: scryptSync("pw", "salt", 16, { N: 1024 }).toString("hex"),
			timingSafeEqual: timingSafeEqual(Buffer.from("x"), Buffer.from("x")),
			decoder: new StringDecoder("utf8").write(Buffer.from([0xe2, 0x82, 0xac])),
		};
	},
	"node-util-events": async () => {
		const e = new EventEmitter();
		const seen = [];
		e.on("x", (v) => seen.push(v));
		e.once("x", (v) => seen.push("once:" + v));
		e.emit("x", 1);
		e.emit("x", 2);
		setTimeout(() => e.emit("later", "ok"), 0);
		const [later] = await once(e, "later");
		const sleep = promisify((ms, cb) => setTimeout(() => cb(null, ms), ms));
		const stream = await Readable.from(["a", "b", "c"]).toArray();
		let assertion = "";
		try {
			assert.deepStrictEqual({ a: 1 }, { a: 2 });
		} catch (err) {
			assertion = err.code;
		}
		return {
			seen,
			later,
			format: format("%s=%d %j", "n", 42, { a: 1 }),
			inspect: inspect({ a: [1, { b: new Map([[1, 2]]) }] }, { depth: 4, breakLength: Infinity }),
			isDate: types.isDate(new Date()),
			promisify: await sleep(1),
			join: path.join("/a", "b", "../c", "d.txt"),
			parse: path.parse("/x/y/file.tar.gz"),
			relative: path.relative("/a/b/c", "/a/d"),
			als: await als.run("store", async () => {
				await Promise.resolve();
				return als.getStore();
			}),
			stream,
			zlib: gunzipSync(gzipSync("zipped")).toString(),
			assertion,
			query: parseQuery("a=1&b=2&b=3"),
			fileURL: fileURLToPath("file:///tmp/x%20y.txt"),
			process: [typeof process, typeof process?.env, process?.platform ?? null],
		};
	},
	// A CommonJS package that require()s Node's crypto, util, stream and
	// buffer (through jws and jwa).
	jsonwebtoken: () => {
		const token = jwt.sign({ sub: "user-4", iat }, "secret", { algorithm: "HS256", issuer: "valet" });
		let wrong = "";
		try {
			jwt.verify(token, "wrong");
		} catch (e) {
			wrong = `${e.name}: ${e.message}`;
		}
		const key = createPrivateKey({ key: rsa, format: "jwk" });
		const rs = jwt.sign({ sub: "user-5", iat }, key, { algorithm: "RS256" });
		return {
			token,
			payload: jwt.verify(token, "secret", { clockTimestamp: iat }),
			header: jwt.decode(token, { complete: true }).header,
			wrong,
			rs256: rs,
			rs256Verify: jwt.verify(rs, createPublicKey(key), { clockTimestamp: iat }).sub,
		};
	},
};
