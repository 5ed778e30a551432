// crypto.subtle: CryptoKey, importKey/exportKey/generateKey, HMAC sign and
// verify, AES-GCM/CBC/CTR encrypt and decrypt, PBKDF2/HKDF deriveBits and
// deriveKey. Keys hold their raw bytes here; Go (subtle.go) does the work.
// Asymmetric algorithms (ECDSA, RSA, Ed25519) reject with NotSupportedError.

const HASHES = { "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024 };
const ALG_NAMES = {};
for (const n of ["HMAC", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW", "PBKDF2", "HKDF", "ECDSA", "ECDH", "RSA-OAEP", "RSA-PSS", "RSASSA-PKCS1-v1_5", "Ed25519", "X25519", "SHA-1", "SHA-256", "SHA-384", "SHA-512"]) {
  ALG_NAMES[n.toUpperCase()] = n;
}
const CK_KEY = {};
const notSupported = (what) => new DOMException(`valet: ${what} is not supported (HMAC, AES-GCM, AES-CBC, AES-CTR, PBKDF2 and HKDF are)`, "NotSupportedError");

function algName(a) {
  const raw = typeof a === "string" ? a : isObj(a) ? a.name : undefined;
  if (raw === undefined) throw new TypeError("crypto.subtle: algorithm must be a string or an object with a name");
  const n = ALG_NAMES[String(raw).toUpperCase()];
  if (!n) throw new DOMException(`Unrecognized algorithm name "${raw}"`, "NotSupportedError");
  return n;
}

function hashName(h) {
  if (h === undefined) throw new TypeError("crypto.subtle: the algorithm needs a hash, e.g. { name: \"HMAC\", hash: \"SHA-256\" }");
  const n = algName(h);
  if (!HASHES[n]) throw new DOMException(`${n} is not a hash`, "NotSupportedError");
  return n;
}

function bytesOf(v, what) {
  const u = toU8(v);
  if (!u) throw new TypeError(`crypto.subtle: ${what} must be an ArrayBuffer or a view`);
  return u;
}

class CryptoKey {
  constructor(key) { if (key !== CK_KEY) throw new TypeError("Illegal constructor"); }
  get type() { return this._type; }
  get extractable() { return this._ext; }
  get algorithm() { return this._alg; }
  get usages() { return this._usages.slice(); }
}
define("CryptoKey", CryptoKey);

function newKey(type, alg, ext, usages, raw) {
  const k = new CryptoKey(CK_KEY);
  k._type = type; k._alg = Object.freeze(alg); k._ext = !!ext; k._usages = Array.from(usages || [], String); k._raw = raw;
  return k;
}

const USAGES = {
  HMAC: ["sign", "verify"],
  "AES-GCM": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
  "AES-CBC": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
  "AES-CTR": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
  PBKDF2: ["deriveBits", "deriveKey"],
  HKDF: ["deriveBits", "deriveKey"],
};

function checkUsages(name, usages) {
  for (const u of usages || []) {
    if (!USAGES[name].includes(u)) throw new DOMException(`${name} keys cannot be used to ${u}`, "SyntaxError");
  }
}

function keyFor(key, name, usage) {
  if (!(key instanceof CryptoKey)) throw new TypeError("crypto.subtle: key must be a CryptoKey");
  if (key._alg.name !== name) throw new DOMException(`the key is for ${key._alg.name}, not ${name}`, "InvalidAccessError");
  if (!key._usages.includes(usage)) throw new DOMException(`the key's usages do not include "${usage}"`, "InvalidAccessError");
  return key._raw;
}

const b64url = (u) => N.encodeString(u, "base64url");
const fromB64url = (s) => N.decodeString(String(s), "base64url");
const JWK_HMAC = { "SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512" };
const aesJwk = (name, bits) => "A" + bits + { "AES-GCM": "GCM", "AES-CBC": "CBC", "AES-CTR": "CTR", "AES-KW": "KW" }[name];

function importSecret(format, data, name) {
  if (format === "raw") return bytesOf(data, "keyData").slice();
  if (format === "jwk") {
    if (!isObj(data) || data.kty !== "oct" || typeof data.k !== "string") throw new DOMException("a secret key's JWK needs kty \"oct\" and k", "DataError");
    return fromB64url(data.k);
  }
  throw notSupported(`importKey format "${format}" for ${name}`);
}

function importKeySync(format, data, alg, ext, usages) {
  const name = algName(alg);
  if (!USAGES[name]) throw notSupported(`importKey for ${name}`);
  checkUsages(name, usages);
  format = String(format);
  switch (name) {
    case "HMAC": {
      const raw = importSecret(format, data, name);
      const hash = hashName(alg.hash !== undefined ? alg.hash : format === "jwk" && data.alg ? { HS1: "SHA-1", HS256: "SHA-256", HS384: "SHA-384", HS512: "SHA-512" }[data.alg] : undefined);
      if (raw.length === 0) throw new DOMException("HMAC key must not be empty", "DataError");
      return newKey("secret", { name, hash: { name: hash }, length: alg.length !== undefined ? Number(alg.length) : raw.length * 8 }, ext, usages, raw);
    }
    case "AES-GCM": case "AES-CBC": case "AES-CTR": {
      const raw = importSecret(format, data, name);
      if (![16, 24, 32].includes(raw.length)) throw new DOMException(`${name} key must be 128, 192 or 256 bits, not ${raw.length * 8}`, "DataError");
      return newKey("secret", { name, length: raw.length * 8 }, ext, usages, raw);
    }
    case "PBKDF2": case "HKDF":
      if (format !== "raw") throw notSupported(`importKey format "${format}" for ${name}`);
      if (ext) throw new DOMException(`${name} keys cannot be extractable`, "SyntaxError");
      return newKey("secret", { name }, false, usages, bytesOf(data, "keyData").slice());
  }
}

function derivedLength(alg) {
  const name = algName(alg);
  if (name === "HMAC") return alg.length !== undefined ? Number(alg.length) : HASHES[hashName(alg.hash)];
  if (name.startsWith("AES-")) {
    const n = Number(alg.length);
    if (![128, 192, 256].includes(n)) throw new DOMException(`${name} length must be 128, 192 or 256`, "OperationError");
    return n;
  }
  throw notSupported(`deriveKey to ${name}`);
}

function deriveBitsSync(alg, key, length) {
  const name = algName(alg);
  if (name !== "PBKDF2" && name !== "HKDF") throw notSupported(`deriveBits with ${name}`);
  const raw = keyFor(key, name, "deriveBits");
  const hash = hashName(alg.hash);
  const salt = bytesOf(alg.salt, "salt");
  const info = name === "HKDF" ? bytesOf(alg.info, "info") : new Uint8Array(0);
  return N.deriveBits(name, hash, raw, salt, info, Number(alg.iterations) || 0, Number(length));
}

const promised = (fn) => (...args) => { try { return Promise.resolve(fn(...args)); } catch (e) { return Promise.reject(e); } };

Object.assign(subtle, {
  importKey: promised(importKeySync),
  exportKey: promised((format, key) => {
    if (!(key instanceof CryptoKey)) throw new TypeError("crypto.subtle.exportKey: key must be a CryptoKey");
    if (!key._ext) throw new DOMException("key is not extractable", "InvalidAccessError");
    const a = key._alg;
    if (format === "raw") return exactBuffer(key._raw.slice());
    if (format === "jwk") {
      const jwk = { kty: "oct", k: b64url(key._raw), key_ops: key._usages.slice(), ext: true };
      if (a.name === "HMAC") jwk.alg = JWK_HMAC[a.hash.name];
      else if (a.name.startsWith("AES-")) jwk.alg = aesJwk(a.name, a.length);
      else throw notSupported(`exportKey "jwk" for ${a.name}`);
      return jwk;
    }
    throw notSupported(`exportKey format "${format}"`);
  }),
  generateKey: promised((alg, ext, usages) => {
    const name = algName(alg);
    if (name !== "HMAC" && !name.startsWith("AES-")) throw notSupported(`generateKey for ${name}`);
    const bits = derivedLength(alg);
    const raw = new Uint8Array(Math.ceil(bits / 8));
    N.randomFill(raw);
    return importKeySync("raw", raw, name === "HMAC" ? { name, hash: alg.hash, length: bits } : { name }, ext, usages);
  }),
  sign: promised((alg, key, data) => {
    const name = algName(alg);
    if (name !== "HMAC") throw notSupported(`sign with ${name}`);
    return N.hmac(key._alg.hash.name, keyFor(key, name, "sign"), bytesOf(data, "data"));
  }),
  verify: promised((alg, key, sig, data) => {
    const name = algName(alg);
    if (name !== "HMAC") throw notSupported(`verify with ${name}`);
    const want = new Uint8Array(N.hmac(key._alg.hash.name, keyFor(key, name, "verify"), bytesOf(data, "data")));
    const got = bytesOf(sig, "signature");
    return got.length === want.length && N.timingSafeEqual(got, want);
  }),
  encrypt: promised((alg, key, data) => aesOp(alg, key, data, true)),
  decrypt: promised((alg, key, data) => aesOp(alg, key, data, false)),
  deriveBits: promised(deriveBitsSync),
  deriveKey: promised((alg, key, derived, ext, usages) => {
    const bits = derivedLength(derived);
    if (!key._usages.includes("deriveKey")) throw new DOMException("the key's usages do not include \"deriveKey\"", "InvalidAccessError");
    const k = Object.create(key);
    k._usages = ["deriveBits"];
    return importKeySync("raw", deriveBitsSync(alg, k, bits), derived, ext, usages);
  }),
});
for (const op of ["wrapKey", "unwrapKey"]) subtle[op] = promised(() => { throw notSupported(`crypto.subtle.${op}`); });

function aesOp(alg, key, data, encrypt) {
  const name = algName(alg);
  if (!name.startsWith("AES-") || name === "AES-KW") throw notSupported(`${encrypt ? "encrypt" : "decrypt"} with ${name}`);
  const raw = keyFor(key, name, encrypt ? "encrypt" : "decrypt");
  const iv = bytesOf(name === "AES-CTR" ? alg.counter : alg.iv, name === "AES-CTR" ? "counter" : "iv");
  const aad = alg.additionalData === undefined ? null : bytesOf(alg.additionalData, "additionalData");
  return N.aes(name, encrypt, raw, iv, bytesOf(data, "data"), aad, Number(alg.tagLength) || 0, Number(alg.length) || 0);
}
