// node:buffer's Buffer (the common subset) and the module map that the
// bundler's import rewriting reads: globalThis.__valet_modules[specifier].

class Buffer extends Uint8Array {
  static from(v, enc, len) {
    if (typeof v === "string") return Buffer._wrap(N.decodeString(v, String(enc || "utf8").toLowerCase()));
    if (v instanceof ArrayBuffer) return new Buffer(v, enc || 0, len === undefined ? v.byteLength - (enc || 0) : len);
    if (ArrayBuffer.isView(v)) return Buffer._wrap(new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice());
    if (v && v.type === "Buffer" && Array.isArray(v.data)) return Buffer._wrap(Uint8Array.from(v.data));
    if (Array.isArray(v) || (v && typeof v.length === "number")) return Buffer._wrap(Uint8Array.from(v));
    throw new TypeError("Buffer.from: unsupported argument");
  }
  static _wrap(u) { return new Buffer(u.buffer, u.byteOffset, u.byteLength); }
  static alloc(n, fill) { const b = new Buffer(n); if (fill !== undefined) b.fill(typeof fill === "string" ? fill.charCodeAt(0) : fill); return b; }
  static allocUnsafe(n) { return new Buffer(n); }
  static isBuffer(b) { return b instanceof Buffer; }
  static isEncoding(e) { return ["utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii"].includes(String(e).toLowerCase()); }
  static byteLength(v, enc) { return typeof v === "string" ? N.decodeString(v, String(enc || "utf8").toLowerCase()).length : v.byteLength; }
  static concat(list, total) {
    const u = concatU8(list.map((x) => toU8(x)), total);
    return Buffer._wrap(list.length === 1 ? u.slice() : u);
  }
  static compare(a, b) { return a.compare(b); }
  toString(enc, start, end) {
    let u = new Uint8Array(this.buffer, this.byteOffset, this.byteLength);
    if (start !== undefined || end !== undefined) u = u.subarray(start || 0, end === undefined ? u.length : end);
    return N.encodeString(u, String(enc || "utf8").toLowerCase());
  }
  toJSON() { return { type: "Buffer", data: Array.from(this) }; }
  equals(o) { return this.compare(o) === 0; }
  compare(o) {
    const n = Math.min(this.length, o.length);
    for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
    return this.length === o.length ? 0 : this.length < o.length ? -1 : 1;
  }
  slice(s, e) { return this.subarray(s, e); }
  subarray(s, e) { const u = Uint8Array.prototype.subarray.call(this, s, e); return new Buffer(u.buffer, u.byteOffset, u.byteLength); }
  write(str, offset = 0) { const u = N.utf8Encode(String(str)); const n = Math.min(u.length, this.length - offset); this.set(u.subarray(0, n), offset); return n; }
  readUInt8(o = 0) { return this[o]; }
  readUInt32BE(o = 0) { return new DataView(this.buffer, this.byteOffset).getUint32(o); }
  writeUInt32BE(v, o = 0) { new DataView(this.buffer, this.byteOffset).setUint32(o, v); return o + 4; }
}

function moduleMap(env) {
  const workers = { DurableObject, WorkerEntrypoint, WorkflowEntrypoint, RpcTarget, RpcStub, env, waitUntil: null };
  workers.default = workers;
  const buffer = { Buffer, Blob, File, atob, btoa, constants: { MAX_LENGTH: 2 ** 31 - 1 }, kMaxLength: 2 ** 31 - 1 };
  buffer.default = buffer;
  const asyncHooks = { AsyncLocalStorage, AsyncResource };
  asyncHooks.default = asyncHooks;
  return Object.assign({
    "cloudflare:workers": workers,
    "node:buffer": buffer,
    "node:async_hooks": asyncHooks,
  }, nodeModules(env));
}

// require serves the built-in modules to code whose import(x) esbuild
// lowered to require(x); nothing else can be loaded at run time.
function makeRequire(mods) {
  return function require(name) {
    name = String(name);
    const key = name.startsWith("cloudflare:") || name.startsWith("node:") ? name : "node:" + name;
    const m = mods[key];
    if (!m) throw new Error(`valet does not provide module "${name}"`);
    return m;
  };
}

// The prelude's result: what Go calls into.
return {
  incoming: incomingRequest,
  settle,
  serve,
  finish,
  deliver,
  pull,
  handlerFor,
  runScheduled,
  moduleMap: (env) => { const m = moduleMap(env); define("require", makeRequire(m)); return m; },
  ExecutionContext,
  Fetcher: (id) => new Fetcher(RS_KEY, id),
  serialize: (v) => JSON.stringify(ser(v, new Map(), true)),
  deserialize: (s) => deser(JSON.parse(s), []),
  rpcSerialize,
  rpcDeserialize,
  rpcInvoke: (target, path, args, op) => rpcInvoke(target, path, Array.from(args), op),
  newEntrypoint,
  newStub: (inv, base) => rpcNode(inv, [], base === undefined ? null : base, false),
  formatError,
  format: (args) => format(args),
  wsEvent,
  wsBind,
};
