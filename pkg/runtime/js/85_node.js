// node:events, node:util and node:process (the parts Workers code with
// nodejs_compat reaches for), the caches API (no-op, as in `wrangler dev`
// without a zone) and scheduler.wait.

class EventEmitter {
  constructor() { this._events = new Map(); this._max = 10; }
  _list(name) { let l = this._events.get(name); if (!l) { l = []; this._events.set(name, l); } return l; }
  on(name, fn) { return this.addListener(name, fn); }
  addListener(name, fn) {
    if (typeof fn !== "function") throw new TypeError('The "listener" argument must be of type function');
    if (this._events.has("newListener")) this.emit("newListener", name, fn);
    this._list(name).push({ fn, once: false });
    return this;
  }
  prependListener(name, fn) { this._list(name).unshift({ fn, once: false }); return this; }
  once(name, fn) { this._list(name).push({ fn, once: true }); return this; }
  prependOnceListener(name, fn) { this._list(name).unshift({ fn, once: true }); return this; }
  off(name, fn) { return this.removeListener(name, fn); }
  removeListener(name, fn) {
    const l = this._events.get(name);
    if (!l) return this;
    const i = l.findIndex((e) => e.fn === fn);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this._events.delete(name);
    return this;
  }
  removeAllListeners(name) { if (name === undefined) this._events.clear(); else this._events.delete(name); return this; }
  emit(name, ...args) {
    const l = this._events.get(name);
    if (!l || l.length === 0) {
      if (name === "error") throw args[0] instanceof Error ? args[0] : new Error("Unhandled error. (" + String(args[0]) + ")");
      return false;
    }
    for (const e of l.slice()) {
      if (e.once) this.removeListener(name, e.fn);
      e.fn.apply(this, args);
    }
    return true;
  }
  listeners(name) { return (this._events.get(name) || []).map((e) => e.fn); }
  rawListeners(name) { return this.listeners(name); }
  listenerCount(name) { return (this._events.get(name) || []).length; }
  eventNames() { return Array.from(this._events.keys()); }
  setMaxListeners(n) { this._max = n; return this; }
  getMaxListeners() { return this._max; }
  static once(emitter, name) {
    return new Promise((resolve, reject) => {
      const onErr = (e) => { emitter.removeListener(name, onOk); reject(e); };
      const onOk = (...a) => { if (name !== "error") emitter.removeListener("error", onErr); resolve(a); };
      emitter.once(name, onOk);
      if (name !== "error") emitter.once("error", onErr);
    });
  }
  static listenerCount(emitter, name) { return emitter.listenerCount(name); }
}
EventEmitter.EventEmitter = EventEmitter;
EventEmitter.defaultMaxListeners = 10;

const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
function promisify(fn) {
  if (typeof fn !== "function") throw new TypeError('The "original" argument must be of type function');
  if (fn[kCustomPromisify]) return fn[kCustomPromisify];
  return function (...args) {
    return new Promise((resolve, reject) => {
      fn.call(this, ...args, (err, ...values) => { if (err) reject(err); else resolve(values.length > 1 ? values : values[0]); });
    });
  };
}
promisify.custom = kCustomPromisify;

function nodeModules(env) {
  const events = EventEmitter;
  const util = {
    promisify,
    callbackify: (fn) => function (...args) { const cb = args.pop(); fn.apply(this, args).then((v) => cb(null, v), (e) => cb(e)); },
    inspect: (v) => inspect(v, 0, new Set()),
    format: (...args) => format(args),
    inherits(ctor, superCtor) { Object.setPrototypeOf(ctor.prototype, superCtor.prototype); Object.setPrototypeOf(ctor, superCtor); ctor.super_ = superCtor; },
    deprecate: (fn) => fn,
    isDeepStrictEqual: (a, b) => JSON.stringify(ser(a, new Map(), true)) === JSON.stringify(ser(b, new Map(), true)),
    types: {
      isPromise: (v) => v instanceof Promise, isDate: (v) => v instanceof Date, isRegExp: (v) => v instanceof RegExp,
      isUint8Array: (v) => v instanceof Uint8Array, isArrayBuffer: (v) => v instanceof ArrayBuffer,
      isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView), isNativeError: (v) => v instanceof Error,
    },
    TextEncoder: G.TextEncoder, TextDecoder: G.TextDecoder,
  };
  util.inspect.custom = Symbol.for("nodejs.util.inspect.custom");
  const penv = {};
  for (const k of Object.keys(env)) if (typeof env[k] === "string") penv[k] = env[k];
  const process = new EventEmitter();
  Object.assign(process, {
    env: penv, argv: [], execArgv: [], platform: "linux", arch: "x64", version: "", versions: {}, pid: 1, ppid: 0,
    title: "workerd", release: { name: "node" }, exitCode: undefined,
    cwd: () => "/", chdir() { throw new Error("process.chdir() is not supported in a worker"); },
    nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
    emitWarning: (w) => N.log("warn", String(w instanceof Error ? w.message : w)),
    exit() { throw new Error("process.exit() is not supported in a worker"); },
    hrtime: Object.assign((prev) => {
      const ns = BigInt(Math.round(N.now() * 1e6));
      let s = Number(ns / 1000000000n), n = Number(ns % 1000000000n);
      if (prev) { s -= prev[0]; n -= prev[1]; if (n < 0) { s--; n += 1e9; } }
      return [s, n];
    }, { bigint: () => BigInt(Math.round(N.now() * 1e6)) }),
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    uptime: () => N.now() / 1000,
  });
  return {
    "node:events": Object.assign(events, { default: events }),
    "node:util": Object.assign(util, { default: util }),
    "node:process": Object.assign(process, { default: process }),
    "node:path": pathModule(),
    "node:crypto": cryptoModule(),
  };
}

class Cache {
  match() { return Promise.resolve(undefined); }
  matchAll() { return Promise.resolve([]); }
  put() { return Promise.resolve(undefined); }
  add() { return Promise.resolve(undefined); }
  addAll() { return Promise.resolve(undefined); }
  delete() { return Promise.resolve(false); }
  keys() { return Promise.resolve([]); }
}
const defaultCache = new Cache();
define("Cache", Cache);
define("caches", Object.freeze({
  default: defaultCache,
  open() { return Promise.resolve(new Cache()); },
  has() { return Promise.resolve(true); },
  delete() { return Promise.resolve(false); },
  keys() { return Promise.resolve([]); },
  match() { return Promise.resolve(undefined); },
}));
define("scheduler", Object.freeze({
  wait(ms, opts) {
    return new Promise((resolve, reject) => {
      const signal = opts && opts.signal;
      if (signal && signal.aborted) { reject(signal.reason); return; }
      const id = N.setTimer(resolve, Number(ms) || 0, false);
      if (signal) signal.addEventListener("abort", () => { N.clearTimer(id); reject(signal.reason); }, { once: true });
    });
  },
}));
