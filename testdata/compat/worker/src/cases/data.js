// Data formats and pure-JS cryptography: YAML, TOML, XML, CSV, MessagePack,
// deflate, hashes, curves, NaCl, bcrypt.
import YAML from "yaml";
import * as jsyaml from "js-yaml";
import * as TOML from "smol-toml";
import { XMLParser, XMLBuilder, XMLValidator } from "fast-xml-parser";
import Papa from "papaparse";
import { encode as mpEncode, decode as mpDecode } from "@msgpack/msgpack";
import { Packr, pack, unpack } from "msgpackr";
import * as pako from "pako";
import { gzipSync, gunzipSync, strToU8, strFromU8, zipSync, unzipSync } from "fflate";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { blake3 } from "@noble/hashes/blake3.js";
import { hmac } from "@noble/hashes/hmac.js";
import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { scrypt } from "@noble/hashes/scrypt.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import nacl from "tweetnacl";
import bcrypt from "bcryptjs";

const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const seed = new Uint8Array(32).map((_, i) => i + 1);

const yamlDoc = `# config
name: valet
ports: [80, 443]
nested:
  when: 2024-03-10
  multi: |
    line one
    line two
anchors:
  base: &b { a: 1 }
  copy: *b
`;

export default {
	yaml: () => {
		const doc = YAML.parse(yamlDoc);
		return { doc, out: YAML.stringify({ a: [1, { b: "x: y" }], s: "multi\nline" }) };
	},
	"js-yaml": () => ({ doc: jsyaml.load(yamlDoc), out: jsyaml.dump({ a: [1, 2], b: { c: null, d: "yes" } }) }),
	toml: () => {
		const doc = TOML.parse(`title = "TOML"\n[owner]\nname = "Tom"\ndob = 1979-05-27T07:32:00-08:00\n[[items]]\nid = 1\n[[items]]\nid = 2\n`);
		return { doc: { ...doc, owner: { ...doc.owner, dob: doc.owner.dob.toISOString() } }, out: TOML.stringify({ a: 1, t: { b: [1, 2], s: "x" } }) };
	},
	"fast-xml-parser": () => {
		const xml = `<?xml version="1.0"?><catalog><book id="b1" lang="en"><title>XML &amp; You</title><price>10.5</price></book><book id="b2"><title>Two</title></book></catalog>`;
		const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_" });
		const doc = parser.parse(xml);
		return {
			doc,
			valid: XMLValidator.validate(xml),
			invalid: XMLValidator.validate("<a><b></a>")?.err?.code ?? null,
			built: new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: false }).build({ root: { "@_v": "1", item: ["a", "b"] } }),
		};
	},
	papaparse: () => {
		const csv = 'name,age,quote\nAda,36,"hello, world"\nAlan,41,"say ""hi"""\n';
		const parsed = Papa.parse(csv, { header: true, dynamicTyping: true, skipEmptyLines: true });
		return { data: parsed.data, fields: parsed.meta.fields, unparse: Papa.unparse([{ a: 1, b: "x,y" }, { a: 2, b: 'q"' }]) };
	},
	msgpack: () => {
		const value = { n: 1, s: "str", a: [true, null, 1.5], b: new Uint8Array([1, 2]), big: -(2 ** 40) };
		const bytes = mpEncode(value);
		return { hex: hex(bytes), back: mpDecode(bytes, { useBigInt64: false }).s };
	},
	msgpackr: () => {
		const value = { n: 1, s: "str", a: [true, null, 1.5], d: new Date(Date.UTC(2024, 0, 1)) };
		const records = new Packr({ structuredClone: true });
		const many = records.pack([{ x: 1, y: 2 }, { x: 3, y: 4 }]);
		return { hex: hex(pack(value)), back: unpack(pack(value)).d.toISOString(), records: records.unpack(many) };
	},
	pako: () => {
		const input = "pako ".repeat(100);
		const deflated = pako.deflate(input);
		const text = (b) => new TextDecoder().decode(b);
		return { hex: hex(deflated), inflated: text(pako.inflate(deflated)) === input, gzip: text(pako.ungzip(pako.gzip("hi"))) };
	},
	fflate: () => {
		const gz = gzipSync(strToU8("fflate ".repeat(50)), { mtime: new Date(Date.UTC(2024, 0, 1)) });
		const zip = zipSync({ "a.txt": strToU8("A"), "dir/b.txt": strToU8("B") }, { mtime: new Date(Date.UTC(2024, 0, 1)) });
		return { gzip: hex(gz), back: strFromU8(gunzipSync(gz)).length, zipFiles: Object.keys(unzipSync(zip)), zip: hex(zip) };
	},
	"noble-hashes": () => ({
		sha256: bytesToHex(sha256(utf8ToBytes("abc"))),
		sha512: bytesToHex(sha512(utf8ToBytes("abc"))).slice(0, 32),
		sha3: bytesToHex(sha3_256(utf8ToBytes("abc"))),
		blake3: bytesToHex(blake3(utf8ToBytes("abc"))),
		hmac: bytesToHex(hmac(sha256, utf8ToBytes("key"), utf8ToBytes("msg"))),
		pbkdf2: bytesToHex(pbkdf2(sha256, "pw", "salt", { c: 1000, dkLen: 16 })),
		scrypt: bytesToHex(scrypt("pw", "salt", { N: 1024, r: 8, p: 1, dkLen: 16 })),
	}),
	"noble-curves": () => {
		const msg = utf8ToBytes("curves");
		const edSig = ed25519.sign(msg, seed);
		const kSig = secp256k1.sign(msg, seed);
		return {
			ed25519: hex(edSig),
			ed25519Verify: ed25519.verify(edSig, msg, ed25519.getPublicKey(seed)),
			secp256k1: hex(kSig),
			secp256k1Verify: secp256k1.verify(kSig, msg, secp256k1.getPublicKey(seed)),
		};
	},
	tweetnacl: () => {
		const keys = nacl.sign.keyPair.fromSeed(seed);
		const msg = utf8ToBytes("nacl");
		const nonce = new Uint8Array(24).fill(9);
		const box = nacl.secretbox(msg, nonce, seed);
		return {
			publicKey: hex(keys.publicKey),
			signature: hex(nacl.sign.detached(msg, keys.secretKey)),
			secretbox: hex(box),
			opened: new TextDecoder().decode(nacl.secretbox.open(box, nonce, seed)),
			hash: hex(nacl.hash(msg)).slice(0, 32),
			random: nacl.randomBytes(4).length,
		};
	},
	bcryptjs: async () => {
		const salt = "$2b$04$abcdefghijklmnopqrstuu";
		const hash = bcrypt.hashSync("hunter2", salt);
		const generated = await bcrypt.hash("pw", 4);
		return { hash, compare: bcrypt.compareSync("hunter2", hash), wrong: await bcrypt.compare("nope", hash), generated: await bcrypt.compare("pw", generated) };
	},
};
