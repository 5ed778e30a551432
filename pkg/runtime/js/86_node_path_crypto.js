// node:path (POSIX, as in workerd) and node:crypto's synchronous core
// (createHash, createHmac, randomBytes, randomUUID, timingSafeEqual),
// which npm packages written for Node reach for under nodejs_compat.

function pathModule() {
  const normalizeParts = (parts, abs) => {
    const out = [];
    for (const p of parts) {
      if (p === "" || p === ".") continue;
      if (p === "..") {
        if (out.length && out[out.length - 1] !== "..") out.pop();
        else if (!abs) out.push("..");
      } else out.push(p);
    }
    return out;
  };
  const normalize = (p) => {
    p = String(p);
    if (p === "") return ".";
    const abs = p.startsWith("/");
    const trailing = p.endsWith("/");
    let s = normalizeParts(p.split("/"), abs).join("/");
    if (s === "" && !abs) s = ".";
    if (s !== "" && trailing && s !== "/") s += "/";
    return (abs ? "/" : "") + s;
  };
  const join = (...parts) => {
    const s = parts.filter((x) => { if (typeof x !== "string") throw new TypeError('The "path" argument must be of type string'); return x !== ""; }).join("/");
    return s === "" ? "." : normalize(s);
  };
  const resolve = (...parts) => {
    let r = "";
    for (let i = parts.length - 1; i >= 0 && !r.startsWith("/"); i--) {
      if (parts[i]) r = parts[i] + (r ? "/" + r : "");
    }
    if (!r.startsWith("/")) r = "/" + r;
    const s = "/" + normalizeParts(r.split("/"), true).join("/");
    return s;
  };
  const isAbsolute = (p) => String(p).startsWith("/");
  const dirname = (p) => {
    p = String(p);
    if (p === "") return ".";
    const abs = p.startsWith("/");
    let end = p.length;
    while (end > 1 && p[end - 1] === "/") end--;
    const i = p.lastIndexOf("/", end - 1);
    if (i < 0) return ".";
    if (i === 0) return abs ? "/" : ".";
    return p.slice(0, i);
  };
  const basename = (p, ext) => {
    p = String(p);
    let end = p.length;
    while (end > 1 && p[end - 1] === "/") end--;
    let b = p.slice(p.lastIndexOf("/", end - 1) + 1, end);
    if (ext && b.endsWith(ext) && b !== ext) b = b.slice(0, -ext.length);
    return b;
  };
  const extname = (p) => {
    const b = basename(p);
    const i = b.lastIndexOf(".");
    return i <= 0 ? "" : b.slice(i);
  };
  const relative = (from, to) => {
    const f = resolve(from).split("/").filter(Boolean), t = resolve(to).split("/").filter(Boolean);
    let i = 0;
    while (i < f.length && i < t.length && f[i] === t[i]) i++;
    return [...Array(f.length - i).fill(".."), ...t.slice(i)].join("/");
  };
  const parse = (p) => {
    const root = isAbsolute(p) ? "/" : "";
    const base = basename(p), ext = extname(p);
    let dir = dirname(p);
    if (dir === "." && !String(p).includes("/")) dir = "";
    return { root, dir, base, ext, name: ext ? base.slice(0, -ext.length) : base };
  };
  const format = (o) => {
    const dir = o.dir || o.root || "";
    const base = o.base || (o.name || "") + (o.ext || "");
    return dir ? (dir === o.root ? dir + base : dir + "/" + base) : base;
  };
  const path = { sep: "/", delimiter: ":", normalize, join, resolve, isAbsolute, dirname, basename, extname, relative, parse, format, toNamespacedPath: (p) => p };
  path.posix = path;
  path.default = path;
  return path;
}

function cryptoModule() {
  const algo = (name) => {
    const n = String(name).toLowerCase().replace("-", "");
    const map = { sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512", md5: "MD5" };
    if (!map[n]) throw new Error(`Digest method not supported: ${name}`);
    return map[n];
  };
  const toBytes = (data, enc) => {
    if (typeof data === "string") return Buffer.from(data, enc || "utf8");
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw new TypeError('The "data" argument must be a string, Buffer, TypedArray or DataView');
  };
  const concat = (chunks) => {
    let n = 0;
    for (const c of chunks) n += c.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of chunks) { out.set(c, o); o += c.length; }
    return out;
  };
  class Hash {
    constructor(name, key) { this._alg = algo(name); this._key = key; this._chunks = []; this._done = false; }
    update(data, enc) {
      if (this._done) throw new Error("Digest already called");
      this._chunks.push(toBytes(data, enc));
      return this;
    }
    digest(enc) {
      if (this._done) throw new Error("Digest already called");
      this._done = true;
      const data = concat(this._chunks);
      const out = Buffer.from(this._key ? N.hmac(this._alg, this._key, data) : N.digest(this._alg, data));
      return enc ? out.toString(enc) : out;
    }
    copy() { const h = new Hash(this._alg, this._key); h._chunks = this._chunks.slice(); return h; }
  }
  const randomBytes = (n, cb) => {
    const b = Buffer.alloc(n);
    N.randomFill(b);
    if (cb) { queueMicrotask(() => cb(null, b)); return undefined; }
    return b;
  };
  const mod = {
    createHash: (name) => new Hash(name),
    createHmac: (name, key) => new Hash(name, toBytes(key)),
    randomBytes,
    randomUUID: () => N.randomUUID(),
    getRandomValues: (a) => crypto.getRandomValues(a),
    timingSafeEqual: (a, b) => N.timingSafeEqual(a, b),
    webcrypto: crypto,
    subtle: crypto.subtle,
    getHashes: () => ["md5", "sha1", "sha256", "sha384", "sha512"],
  };
  mod.default = mod;
  return mod;
}
