package runtime

import (
	"strings"
	"testing"
)

func TestSubtleCrypto(t *testing.T) {
	w := startWorker(t, `
const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
async function run(): Promise<string[]> {
  const out: string[] = [];
  const s = crypto.subtle;
  // RFC 4231 test case 2.
  const hk = await s.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
  const mac = await s.sign("HMAC", hk, enc.encode("what do ya want for nothing?"));
  out.push(hex(mac));
  out.push(String(await s.verify("HMAC", hk, mac, enc.encode("what do ya want for nothing?"))));
  out.push(String(await s.verify("HMAC", hk, mac, enc.encode("tampered"))));
  out.push(hk.type + " " + hk.algorithm.name + " " + (hk.algorithm as any).hash.name + " " + hk.usages.join(","));
  const jwk = await s.exportKey("jwk", hk);
  out.push(jwk.kty + " " + jwk.alg + " " + jwk.k);
  const hk2 = await s.importKey("jwk", jwk, { name: "HMAC", hash: { name: "SHA-256" } }, false, ["sign"]);
  out.push(String(hex(await s.sign({ name: "HMAC" }, hk2, enc.encode("what do ya want for nothing?"))) === hex(mac)));
  try { await s.exportKey("raw", hk2); } catch (e) { out.push((e as Error).name); }
  try { await s.verify("HMAC", hk2, mac, enc.encode("x")); } catch (e) { out.push((e as Error).name); }
  for (const h of ["SHA-384", "SHA-512"]) {
    const k = await s.generateKey({ name: "HMAC", hash: h }, true, ["sign"]) as CryptoKey;
    out.push(h + " " + (k.algorithm as any).length + " " + (await s.sign("HMAC", k, enc.encode("x"))).byteLength);
  }
  // AES-GCM round trip, additional data, tampering.
  const ak = await s.importKey("raw", new Uint8Array(32).fill(7), "AES-GCM", true, ["encrypt", "decrypt"]);
  const iv = new Uint8Array(12).fill(1);
  const ct = await s.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode("ad") }, ak, enc.encode("secret message"));
  out.push(String(ct.byteLength));
  out.push(new TextDecoder().decode(await s.decrypt({ name: "AES-GCM", iv, additionalData: enc.encode("ad") }, ak, ct)));
  const bad = new Uint8Array(ct); bad[0] ^= 1;
  try { await s.decrypt({ name: "AES-GCM", iv, additionalData: enc.encode("ad") }, ak, bad); } catch (e) { out.push((e as Error).name); }
  const gk = await s.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt", "decrypt"]) as CryptoKey;
  out.push((await s.exportKey("jwk", gk)).alg as string);
  // AES-CBC and AES-CTR round trips.
  const ck = await s.importKey("raw", new Uint8Array(16).fill(3), "AES-CBC", false, ["encrypt", "decrypt"]);
  const civ = new Uint8Array(16);
  const cct = await s.encrypt({ name: "AES-CBC", iv: civ }, ck, enc.encode("sixteen bytes!!!"));
  out.push(cct.byteLength + " " + new TextDecoder().decode(await s.decrypt({ name: "AES-CBC", iv: civ }, ck, cct)));
  const tk = await s.importKey("raw", new Uint8Array(16).fill(4), "AES-CTR", false, ["encrypt", "decrypt"]);
  const tct = await s.encrypt({ name: "AES-CTR", counter: civ, length: 64 }, tk, enc.encode("ctr"));
  out.push(tct.byteLength + " " + new TextDecoder().decode(await s.decrypt({ name: "AES-CTR", counter: civ, length: 64 }, tk, tct)));
  // RFC 6070 PBKDF2-HMAC-SHA1, then deriveKey to AES-GCM.
  const pk = await s.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
  out.push(hex(await s.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1, hash: "SHA-1" }, pk, 160)));
  const dk = await s.deriveKey({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 10, hash: "SHA-256" }, pk, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  out.push(dk.algorithm.name + " " + (dk.algorithm as any).length);
  const xk = await s.importKey("raw", new Uint8Array(22).fill(0x0b), "HKDF", false, ["deriveBits"]);
  out.push(String((await s.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new Uint8Array() }, xk, 336)).byteLength));
  try { await s.importKey("raw", new Uint8Array(32), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]); } catch (e) { out.push((e as Error).name); }
  return out;
}
export default { async fetch() { return Response.json(await run()); } };
`, nil)
	_, body := w.get(t, "/")
	want := []string{
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "true", "false",
		"secret HMAC SHA-256 sign,verify", "oct HS256 SmVmZQ", "true", "InvalidAccessError", "InvalidAccessError",
		"SHA-384 1024 48", "SHA-512 1024 64",
		"30", "secret message", "OperationError", "A128GCM",
		"32 sixteen bytes!!!", "3 ctr",
		"0c60c80f961f0e71f3a9b524af6012062fe037a6", "AES-GCM 256", "42", "NotSupportedError",
	}
	wantJSON := `["` + strings.Join(want, `","`) + `"]`
	if body != wantJSON {
		t.Fatalf("got  %s\nwant %s", body, wantJSON)
	}
}
