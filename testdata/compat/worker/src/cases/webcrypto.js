// WebCrypto: digests, HMAC, AES, RSA, ECDSA, ECDH, Ed25519, X25519, and
// jose's JWTs on top (RS256, ES256, EdDSA, a JWE).
import * as jose from "jose";
import { rsa, p256, p256b, ed25519, x25519, x25519b } from "../keys.js";

const subtle = crypto.subtle;
const enc = new TextEncoder();
const msg = enc.encode("valet compat");
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const pub = ({ d, p, q, dp, dq, qi, ...rest }) => rest;
const iat = 1700000000; // fixed claims: RS256 and EdDSA tokens are deterministic

export default {
	"crypto-digest": async () => {
		const out = {};
		for (const alg of ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"]) {
			out[alg] = hex(await subtle.digest(alg, msg));
		}
		out.digestStream = typeof crypto.DigestStream;
		out.uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID());
		out.random = crypto.getRandomValues(new Uint8Array(16)).length;
		out.timingSafeEqual = crypto.subtle.timingSafeEqual(msg, enc.encode("valet compat"));
		return out;
	},
	"crypto-hmac-aes": async () => {
		const hk = await subtle.importKey("raw", enc.encode("secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
		const mac = await subtle.sign("HMAC", hk, msg);
		const raw = new Uint8Array(32).map((_, i) => i);
		const iv = new Uint8Array(12).map((_, i) => 100 + i);
		const gcm = await subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
		const sealed = await subtle.encrypt({ name: "AES-GCM", iv }, gcm, msg);
		const cbc = await subtle.importKey("raw", raw.slice(0, 16), "AES-CBC", false, ["encrypt"]);
		const kw = await subtle.importKey("raw", raw.slice(0, 16), "AES-KW", true, ["wrapKey"]);
		const toWrap = await subtle.importKey("raw", raw, "AES-GCM", true, ["encrypt"]);
		const pb = await subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits"]);
		const hkdf = await subtle.importKey("raw", raw, "HKDF", false, ["deriveBits"]);
		return {
			hmac: hex(mac),
			hmacVerify: await subtle.verify("HMAC", hk, mac, msg),
			aesGcm: hex(sealed),
			aesGcmOpen: new TextDecoder().decode(await subtle.decrypt({ name: "AES-GCM", iv }, gcm, sealed)),
			aesCbc: hex(await subtle.encrypt({ name: "AES-CBC", iv: raw.slice(0, 16) }, cbc, msg)),
			aesKw: hex(await subtle.wrapKey("raw", toWrap, kw, "AES-KW")),
			pbkdf2: hex(await subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1000, hash: "SHA-256" }, pb, 256)),
			hkdf: hex(await subtle.deriveBits({ name: "HKDF", salt: enc.encode("salt"), info: enc.encode("info"), hash: "SHA-256" }, hkdf, 256)),
		};
	},
	"crypto-rsa": async () => {
		const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
		const priv = await subtle.importKey("jwk", rsa, alg, false, ["sign"]);
		const pubKey = await subtle.importKey("jwk", pub(rsa), alg, true, ["verify"]);
		const sig = await subtle.sign(alg, priv, msg);
		const pss = { name: "RSA-PSS", hash: "SHA-256" };
		const pssPriv = await subtle.importKey("jwk", rsa, pss, false, ["sign"]);
		const pssPub = await subtle.importKey("jwk", pub(rsa), pss, false, ["verify"]);
		const pssSig = await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pssPriv, msg);
		const oaep = { name: "RSA-OAEP", hash: "SHA-256" };
		const oaepPub = await subtle.importKey("jwk", pub(rsa), oaep, false, ["encrypt"]);
		const oaepPriv = await subtle.importKey("jwk", rsa, oaep, false, ["decrypt"]);
		const sealed = await subtle.encrypt(oaep, oaepPub, msg);
		const spki = await subtle.exportKey("spki", pubKey);
		return {
			pkcs1: hex(sig),
			pkcs1Verify: await subtle.verify(alg, pubKey, sig, msg),
			pssVerify: await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pssPub, pssSig, msg),
			oaep: new TextDecoder().decode(await subtle.decrypt(oaep, oaepPriv, sealed)),
			spkiSha256: hex(await subtle.digest("SHA-256", spki)),
			modulusLength: pubKey.algorithm.modulusLength,
		};
	},
	"crypto-ec": async () => {
		const alg = { name: "ECDSA", namedCurve: "P-256" };
		const priv = await subtle.importKey("jwk", p256, alg, false, ["sign"]);
		const pubKey = await subtle.importKey("jwk", pub(p256), alg, true, ["verify"]);
		const sig = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, priv, msg);
		const ecdh = { name: "ECDH", namedCurve: "P-256" };
		const a = await subtle.importKey("jwk", { ...p256 }, ecdh, false, ["deriveBits"]);
		const b = await subtle.importKey("jwk", pub(p256b), ecdh, false, []);
		const raw = await subtle.exportKey("raw", pubKey);
		return {
			signatureLength: sig.byteLength,
			verify: await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pubKey, sig, msg),
			ecdh: hex(await subtle.deriveBits({ name: "ECDH", public: b }, a, 256)),
			rawPublic: hex(raw),
		};
	},
	"crypto-ed25519": async () => {
		const priv = await subtle.importKey("jwk", ed25519, "Ed25519", false, ["sign"]);
		const pubKey = await subtle.importKey("jwk", pub(ed25519), "Ed25519", true, ["verify"]);
		const sig = await subtle.sign("Ed25519", priv, msg);
		const xa = await subtle.importKey("jwk", x25519, "X25519", false, ["deriveBits"]);
		const xb = await subtle.importKey("jwk", pub(x25519b), "X25519", false, []);
		const generated = await subtle.generateKey("Ed25519", true, ["sign", "verify"]);
		return {
			signature: hex(sig),
			verify: await subtle.verify("Ed25519", pubKey, sig, msg),
			x25519: hex(await subtle.deriveBits({ name: "X25519", public: xb }, xa, 256)),
			generated: [generated.publicKey.algorithm.name, generated.privateKey.type],
		};
	},
	"jose-rs256": async () => {
		const key = await jose.importJWK(rsa, "RS256");
		const token = await new jose.SignJWT({ sub: "user-1", role: "admin" })
			.setProtectedHeader({ alg: "RS256", kid: "k1" })
			.setIssuedAt(iat)
			.setIssuer("valet")
			.sign(key);
		const { payload, protectedHeader } = await jose.jwtVerify(token, await jose.importJWK(pub(rsa), "RS256"), { issuer: "valet", currentDate: new Date(iat * 1000) });
		return { token, payload, protectedHeader };
	},
	"jose-es256": async () => {
		const token = await new jose.SignJWT({ sub: "user-2" }).setProtectedHeader({ alg: "ES256" }).setIssuedAt(iat).setExpirationTime(iat + 60).sign(await jose.importJWK(p256, "ES256"));
		const pubKey = await jose.importJWK(pub(p256), "ES256");
		const { payload } = await jose.jwtVerify(token, pubKey, { currentDate: new Date(iat * 1000) });
		let expired = "";
		try {
			await jose.jwtVerify(token, pubKey, { currentDate: new Date((iat + 3600) * 1000) });
		} catch (e) {
			expired = e.code;
		}
		return { header: jose.decodeProtectedHeader(token), payload, expired, thumbprint: await jose.calculateJwkThumbprint(pub(p256)) };
	},
	"jose-eddsa": async () => {
		const token = await new jose.SignJWT({ sub: "user-3" }).setProtectedHeader({ alg: "EdDSA" }).setIssuedAt(iat).sign(await jose.importJWK(ed25519, "EdDSA"));
		const { payload } = await jose.jwtVerify(token, await jose.importJWK(pub(ed25519), "EdDSA"), { currentDate: new Date(iat * 1000) });
		const jwk = await jose.exportJWK(await jose.importJWK(pub(ed25519), "EdDSA", { extractable: true }));
		return { token, payload, jwk };
	},
	"jose-jwe": async () => {
		const secret = new Uint8Array(32).fill(7);
		const jwe = await new jose.CompactEncrypt(enc.encode("sealed")).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).encrypt(secret);
		const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, secret);
		const ecdh = await new jose.EncryptJWT({ n: 1 }).setProtectedHeader({ alg: "ECDH-ES+A128KW", enc: "A128GCM" }).encrypt(await jose.importJWK(pub(p256), "ECDH-ES+A128KW"));
		const opened = await jose.jwtDecrypt(ecdh, await jose.importJWK(p256, "ECDH-ES+A128KW"));
		return { plaintext: new TextDecoder().decode(plaintext), protectedHeader, ecdh: opened.payload, parts: jwe.split(".").length };
	},
};
