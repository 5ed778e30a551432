// console, timers, crypto, structuredClone, performance, navigator, the
// built-in modules (cloudflare:workers, node:buffer, node:async_hooks).

function inspect(v, depth, seen) {
  switch (typeof v) {
    case "string": return depth === 0 ? v : JSON.stringify(v);
    case "number": return Object.is(v, -0) ? "-0" : String(v);
    case "bigint": return v + "n";
    case "undefined": return "undefined";
    case "boolean": return String(v);
    case "symbol": return v.toString();
    case "function": return v.prototype && /^class\b/.test(Function.prototype.toString.call(v)) ? `[class ${v.name}]` : `[Function: ${v.name || "(anonymous)"}]`;
  }
  if (v === null) return "null";
  if (v instanceof Error) return formatError(v);
  if (seen.has(v)) return "[Circular]";
  if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
  if (v instanceof RegExp) return String(v);
  if (depth > 2) return Array.isArray(v) ? "[Array]" : "[Object]";
  seen.add(v);
  try {
    if (Array.isArray(v)) return "[ " + v.map((x) => inspect(x, depth + 1, seen)).join(", ") + " ]";
    if (v instanceof Map) return `Map(${v.size}) { ` + Array.from(v, ([k, x]) => inspect(k, depth + 1, seen) + " => " + inspect(x, depth + 1, seen)).join(", ") + " }";
    if (v instanceof Set) return `Set(${v.size}) { ` + Array.from(v, (x) => inspect(x, depth + 1, seen)).join(", ") + " }";
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length}) [ ` + Array.from(v.subarray ? v.subarray(0, 50) : []).join(", ") + " ]";
    if (v instanceof URL) return `URL ${v.href}`;
    if (v instanceof Headers) return "Headers " + inspect(Object.fromEntries(v), depth, seen);
    if (v instanceof Request) return `Request ${v.method} ${v.url}`;
    if (v instanceof Response) return `Response ${v.status}`;
    const name = v.constructor && v.constructor !== Object && v.constructor.name ? v.constructor.name + " " : "";
    const keys = Object.keys(v);
    if (keys.length === 0) return name + "{}";
    return name + "{ " + keys.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)) + ": " + inspect(v[k], depth + 1, seen)).join(", ") + " }";
  } finally {
    seen.delete(v);
  }
}

function format(args) {
  let out = [];
  let i = 0;
  if (typeof args[0] === "string" && args.length > 1 && args[0].includes("%")) {
    i = 1;
    out.push(args[0].replace(/%[sdifjoOc%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      switch (m) {
        case "%s": return typeof a === "string" ? a : inspect(a, 1, new Set());
        case "%d": case "%i": return typeof a === "bigint" ? a + "n" : String(m === "%i" ? parseInt(a) : Number(a));
        case "%f": return String(parseFloat(a));
        case "%j": try { return JSON.stringify(a); } catch (_) { return "[Circular]"; }
        case "%c": return "";
        default: return inspect(a, 1, new Set());
      }
    }));
  }
  for (; i < args.length; i++) out.push(inspect(args[i], 0, new Set()));
  return out.join(" ");
}

const consoleObj = {};
for (const level of ["log", "info", "warn", "error", "debug", "trace"]) {
  consoleObj[level] = function (...args) { N.log(level === "trace" ? "debug" : level, format(args)); };
}
consoleObj.dir = (v) => N.log("log", inspect(v, 0, new Set()));
consoleObj.table = (v) => N.log("log", inspect(v, 0, new Set()));
consoleObj.assert = (cond, ...args) => { if (!cond) N.log("error", "Assertion failed" + (args.length ? ": " + format(args) : "")); };
const counts = new Map(), timersByLabel = new Map();
consoleObj.count = (label = "default") => { const n = (counts.get(label) || 0) + 1; counts.set(label, n); N.log("log", `${label}: ${n}`); };
consoleObj.countReset = (label = "default") => counts.delete(label);
consoleObj.time = (label = "default") => timersByLabel.set(label, N.now());
consoleObj.timeLog = (label = "default") => N.log("log", `${label}: ${(N.now() - (timersByLabel.get(label) || 0)).toFixed(3)}ms`);
consoleObj.timeEnd = (label = "default") => { consoleObj.timeLog(label); timersByLabel.delete(label); };
consoleObj.group = consoleObj.groupCollapsed = consoleObj.groupEnd = () => {};
define("console", consoleObj);

define("setTimeout", function setTimeout(fn, ms, ...args) {
  if (typeof fn !== "function") throw new TypeError("setTimeout: callback must be a function");
  return N.setTimer(args.length ? () => fn(...args) : fn, Number(ms) || 0, false);
});
define("setInterval", function setInterval(fn, ms, ...args) {
  if (typeof fn !== "function") throw new TypeError("setInterval: callback must be a function");
  return N.setTimer(args.length ? () => fn(...args) : fn, Number(ms) || 0, true);
});
define("clearTimeout", function clearTimeout(id) { if (id !== undefined && id !== null) N.clearTimer(Number(id)); });
define("clearInterval", function clearInterval(id) { if (id !== undefined && id !== null) N.clearTimer(Number(id)); });
define("queueMicrotask", function queueMicrotask(fn) {
  if (typeof fn !== "function") throw new TypeError("queueMicrotask: callback must be a function");
  Promise.resolve().then(() => { try { fn(); } catch (e) { reportError(e); } });
});

const DIGESTS = { "SHA-1": 1, "SHA-256": 1, "SHA-384": 1, "SHA-512": 1, "MD5": 1 };
const subtle = {
  digest(alg, data) {
    const name = String(typeof alg === "string" ? alg : alg && alg.name).toUpperCase();
    if (!DIGESTS[name]) return Promise.reject(new DOMException(`Unrecognized digest algorithm "${name}"`, "NotSupportedError"));
    const u = typeof data === "string" ? null : toU8(data);
    if (!u) return Promise.reject(new TypeError("crypto.subtle.digest: data must be an ArrayBuffer or a view"));
    return Promise.resolve(N.digest(name, u));
  },
  timingSafeEqual(a, b) { return N.timingSafeEqual(toU8(a), toU8(b)); },
};
for (const op of ["encrypt", "decrypt", "sign", "verify", "generateKey", "deriveKey", "deriveBits", "importKey", "exportKey", "wrapKey", "unwrapKey"]) {
  subtle[op] = () => Promise.reject(new DOMException(`valet: crypto.subtle.${op} is not supported yet`, "NotSupportedError"));
}
const cryptoObj = {
  subtle,
  randomUUID() { return N.randomUUID(); },
  getRandomValues(a) {
    if (!ArrayBuffer.isView(a) || a instanceof Float32Array || a instanceof Float64Array || a instanceof DataView) {
      throw new DOMException("getRandomValues: an integer typed array is needed", "TypeMismatchError");
    }
    if (a.byteLength > 65536) throw new DOMException(`getRandomValues: ${a.byteLength} bytes requested, at most 65536 allowed`, "QuotaExceededError");
    N.randomFill(toU8(a));
    return a;
  },
};
define("crypto", cryptoObj);

// Structured serialisation: a tagged tree of plain values. structuredClone
// rebuilds it in the same isolate; Go moves it between isolates as JSON.
const TYPED = { Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView };
const ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };

// rc (RPC only) turns functions, RpcTargets, stubs, Requests, Responses,
// Headers and streams into references and by-value records (88_rpc.js).
function ser(v, memo, text, rc) {
  switch (typeof v) {
    case "undefined": return { $: "u" };
    case "number": return Number.isFinite(v) && !Object.is(v, -0) ? v : { $: "n", v: Object.is(v, -0) ? "-0" : String(v) };
    case "string": case "boolean": return v;
    case "bigint": return { $: "b", v: v.toString() };
    case "function": case "symbol":
      if (rc && typeof v === "function") return { $: "x", k: rc.ref(v), f: true };
      throw new DOMException(`${typeof v === "function" ? "function " + (v.name || "anonymous") : v.toString()} could not be cloned.`, "DataCloneError");
  }
  if (v === null) return null;
  if (rc) { const x = serRpc(v, memo, text, rc); if (x !== undefined) return x; }
  if (memo.has(v)) return { $: "r", i: memo.get(v) };
  const i = memo.size;
  memo.set(v, i);
  if (Array.isArray(v)) return { $: "a", i, v: Array.from(v, (x) => ser(x, memo, text, rc)) };
  if (v instanceof Date) return { $: "d", i, v: v.getTime() };
  if (v instanceof RegExp) return { $: "re", i, s: v.source, f: v.flags };
  if (v instanceof Map) return { $: "m", i, v: Array.from(v, ([k, x]) => [ser(k, memo, text, rc), ser(x, memo, text, rc)]) };
  if (v instanceof Set) return { $: "s", i, v: Array.from(v, (x) => ser(x, memo, text, rc)) };
  if (v instanceof ArrayBuffer) return { $: "ab", i, v: text ? N.bytesToBase64(new Uint8Array(v)) : v.slice(0) };
  if (ArrayBuffer.isView(v)) {
    const u = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { $: "ta", i, t: v.constructor.name, v: text ? N.bytesToBase64(u) : u.slice() };
  }
  if (v instanceof Error) return { $: "e", i, n: v.name, m: v.message, s: v.stack };
  if (v instanceof Boolean || v instanceof Number || v instanceof String) return { $: "w", i, v: ser(v.valueOf(), memo, text, rc) };
  if (v instanceof Blob) return { $: "blob", i, t: v.type, v: text ? N.bytesToBase64(v._u8) : v._u8.slice() };
  if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || v instanceof ReadableStream || v instanceof Request || v instanceof Response) {
    throw new DOMException(`${v.constructor.name} object could not be cloned.`, "DataCloneError");
  }
  const o = {};
  for (const k of Object.keys(v)) o[k] = ser(v[k], memo, text, rc);
  return { $: "o", i, v: o };
}

function deser(t, memo, rc) {
  if (t === null || typeof t !== "object") return t;
  const put = (x) => { memo[t.i] = x; return x; };
  switch (t.$) {
    case "u": return undefined;
    case "n": return t.v === "-0" ? -0 : Number(t.v);
    case "b": return BigInt(t.v);
    case "r": return memo[t.i];
    case "a": { const a = put(new Array(t.v.length)); t.v.forEach((x, j) => { a[j] = deser(x, memo, rc); }); return a; }
    case "d": return put(new Date(t.v));
    case "re": return put(new RegExp(t.s, t.f));
    case "m": { const m = put(new Map()); for (const [k, x] of t.v) m.set(deser(k, memo, rc), deser(x, memo, rc)); return m; }
    case "s": { const s = put(new Set()); for (const x of t.v) s.add(deser(x, memo, rc)); return s; }
    case "ab": return put(typeof t.v === "string" ? N.base64ToBytes(t.v).buffer : t.v);
    case "ta": {
      const u = typeof t.v === "string" ? N.base64ToBytes(t.v) : t.v;
      const C = TYPED[t.t] || Uint8Array;
      return put(C === DataView ? new DataView(u.buffer) : new C(u.buffer, 0, u.byteLength / (C.BYTES_PER_ELEMENT || 1)));
    }
    case "e": { const e = put(new (ERRORS[t.n] || Error)(t.m)); if (!ERRORS[t.n]) e.name = t.n; if (t.s !== undefined) e.stack = t.s; return e; }
    case "w": return put(Object(deser(t.v, memo, rc)));
    case "blob": { const b = put(new Blob([], { type: t.t })); b._u8 = typeof t.v === "string" ? N.base64ToBytes(t.v) : t.v; return b; }
    default: if (rc) { const x = deserRpc(t, memo, rc); if (x !== undefined) return x; } break;
    case "o": { const o = put({}); for (const k of Object.keys(t.v)) o[k] = deser(t.v[k], memo, rc); return o; }
  }
  throw new TypeError("structured clone: corrupt serialisation");
}

define("structuredClone", function structuredClone(v, opts) {
  if (arguments.length === 0) throw new TypeError("structuredClone: 1 argument required");
  return deser(ser(v, new Map(), false), []);
});

const timeOrigin = Date.now();
define("performance", {
  now() { return N.now(); },
  get timeOrigin() { return timeOrigin; },
  mark() {}, measure() {}, getEntriesByName() { return []; },
  toJSON() { return { timeOrigin }; },
});
define("navigator", Object.freeze({ userAgent: "Cloudflare-Workers", hardwareConcurrency: 1, language: "en-US", languages: ["en-US"] }));

if (typeof G.WeakRef === "undefined") {
  // goja has no WeakRef: a strong reference is a correct (if leaky) stand-in.
  define("WeakRef", class WeakRef { constructor(t) { this._t = t; } deref() { return this._t; } });
}
if (typeof G.FinalizationRegistry === "undefined") {
  define("FinalizationRegistry", class FinalizationRegistry { register() {} unregister() { return false; } });
}

class AsyncLocalStorage {
  run(store, fn, ...args) {
    const prev = N.alsGet();
    N.alsSet({ p: prev, k: this, v: store });
    try { return fn(...args); } finally { N.alsSet(prev); }
  }
  exit(fn, ...args) { return this.run(undefined, fn, ...args); }
  getStore() {
    for (let f = N.alsGet(); f; f = f.p) if (f.k === this) return f.v;
    return undefined;
  }
  enterWith(store) { N.alsSet({ p: N.alsGet(), k: this, v: store }); }
  disable() {}
  static bind(fn) {
    const frame = N.alsGet();
    return function (...args) {
      const prev = N.alsGet();
      N.alsSet(frame);
      try { return fn.apply(this, args); } finally { N.alsSet(prev); }
    };
  }
  static snapshot() {
    const frame = N.alsGet();
    return (fn, ...args) => {
      const prev = N.alsGet();
      N.alsSet(frame);
      try { return fn(...args); } finally { N.alsSet(prev); }
    };
  }
}
class AsyncResource {
  constructor(type) { this.type = type; this._frame = N.alsGet(); }
  runInAsyncScope(fn, thisArg, ...args) {
    const prev = N.alsGet();
    N.alsSet(this._frame);
    try { return fn.apply(thisArg, args); } finally { N.alsSet(prev); }
  }
  bind(fn) { return (...a) => this.runInAsyncScope(fn, undefined, ...a); }
  static bind(fn) { return new AsyncResource("bound").bind(fn); }
}
