// Workers RPC between isolates (Durable Object stubs, ctx.exports, callbacks).
// Values cross as structured clones (80_globals.js) extended here: functions
// and RpcTarget instances travel by reference (the receiver gets a stub whose
// calls come back to this isolate through Go: N.rpcExport/N.rpcStub), and
// Request, Response, Headers and ReadableStream by value (a stream as a
// reference whose read() is called remotely, so bodies are piped).

if (typeof Symbol.dispose !== "symbol") Object.defineProperty(Symbol, "dispose", { value: Symbol("Symbol.dispose") });

const RPC_STUB = Symbol("valet.rpcStub");
// Properties a stub must not turn into RPC calls: serialisers, inspectors
// and frameworks probe them.
const NOT_RPC = new Set(["toJSON", "constructor", "valueOf", "toString", "inspect", "asymmetricMatch", "$$typeof", "nodeType", "tagName", "prototype"]);

// rpcNode is the proxy for path under a stub: calling it calls the remote
// method, awaiting it (then) reads the remote property, and any property
// goes one level deeper. invoke(path, args, op) returns a promise; op is
// "call", "get", "dup" or "dispose". base holds a root stub's own members
// (id, name, fetch of a Durable Object stub).
function rpcNode(invoke, path, base, callable) {
  const t = callable || path.length > 0 ? function () {} : {};
  return new Proxy(t, {
    get(_, p) {
      if (p === RPC_STUB) return true;
      if (path.length === 0) {
        if (base && p in base) return base[p];
        if (p === "then") return undefined;
        if (p === "dup") return () => { invoke([], [], "dup"); return rpcNode(invoke, [], base, callable); };
        if (p === Symbol.dispose) return () => { invoke([], [], "dispose"); };
      } else if (p === "then" || p === "catch" || p === "finally") {
        const got = invoke(path, [], "get");
        return got[p].bind(got);
      }
      if (typeof p !== "string" || NOT_RPC.has(p)) return undefined;
      return rpcNode(invoke, path.concat(p), null, true);
    },
    has(_, p) { return path.length === 0 && !!base && p in base; },
    apply(_, self, args) { return pipelined(invoke(path, args, "call")); },
  });
}

// pipelined lets a call's promise be used as the stub it will resolve to:
// stub.getThing().m() calls m on the result once it arrives.
function pipelined(p) {
  return new Proxy(p, {
    get(t, k) {
      if (k in t) { const v = t[k]; return typeof v === "function" ? v.bind(t) : v; }
      if (typeof k !== "string" || NOT_RPC.has(k)) return undefined;
      return rpcNode((path, args, op) => t.then((v) => rpcInvoke(v, path, args, op)), [k], null, true);
    },
  });
}

function isRpcStub(v) { return (typeof v === "object" || typeof v === "function") && v !== null && v[RPC_STUB] === true; }

// rpcInvoke runs a call that arrived for target (an exported function or
// object, a WorkerEntrypoint or Durable Object instance) on this isolate.
function rpcInvoke(target, path, args, op) {
  const missing = (name) => new TypeError(`The RPC receiver does not implement the method "${name}".`);
  if (path.length === 0) {
    if (op === "get") return target;
    if (typeof target !== "function") throw new TypeError("The RPC receiver is not callable.");
    return target(...args);
  }
  let obj = target;
  for (let i = 0; i < path.length - 1; i++) {
    obj = obj == null ? undefined : obj[path[i]];
    if (obj == null) throw missing(path.slice(0, i + 1).join("."));
  }
  const last = path[path.length - 1];
  if (last === "constructor" || last.startsWith("#") || obj == null) throw missing(last);
  const v = obj[last];
  if (op === "get") return v;
  if (typeof v !== "function") throw missing(last);
  return Reflect.apply(v, obj, args);
}

// A stream crosses as a reference to an object whose read() hands over the
// next chunk; the receiver's ReadableStream pulls from it.
function streamSource(s) {
  const reader = s.getReader();
  return {
    read() { return reader.read().then(({ done, value }) => done ? { done: true } : { done: false, value: typeof value === "string" ? N.utf8Encode(value) : toU8(value) }); },
    cancel(r) { return reader.cancel(r); },
  };
}
function remoteStream(src) {
  return new ReadableStream({
    pull(c) { return src.read().then((r) => { if (r.done) c.close(); else c.enqueue(r.value); }); },
    cancel(r) { return src.cancel(r); },
  });
}
const headerPairs = (h) => { const out = []; h.forEach((v, k) => out.push([k, v])); return out; };

function serRpc(v, memo, text, rc) {
  if (v instanceof RpcTarget || isRpcStub(v)) return { $: "x", k: rc.ref(v) };
  if (v instanceof ReadableStream) return { $: "rs", k: rc.ref(streamSource(v)) };
  if (v instanceof Headers) return { $: "hd", v: headerPairs(v) };
  if (v instanceof Request) {
    if (v.bodyUsed) throw new TypeError("RPC: the Request's body has already been used");
    const b = v.body;
    return { $: "rq", m: v.method, u: v.url, h: headerPairs(v.headers), r: v.redirect, b: b ? { $: "rs", k: rc.ref(streamSource(b)) } : null };
  }
  if (v instanceof Response) {
    if (v.webSocket) throw new DOMException("A WebSocket Response cannot be sent over RPC.", "DataCloneError");
    if (v.bodyUsed) throw new TypeError("RPC: the Response's body has already been used");
    const b = v.body;
    return { $: "rp", s: v.status, t: v.statusText, h: headerPairs(v.headers), b: b ? { $: "rs", k: rc.ref(streamSource(b)) } : null };
  }
  return undefined;
}

function deserRpc(t, memo, rc) {
  switch (t.$) {
    case "x": return rc.stub(t.k, !!t.f);
    case "rs": return remoteStream(rc.stub(t.k, false));
    case "hd": return new Headers(t.v);
    case "rq": {
      const init = { method: t.m, headers: t.h, redirect: t.r };
      if (t.b) init.body = deserRpc(t.b, memo, rc);
      return new Request(t.u, init);
    }
    case "rp": return new Response(t.b ? deserRpc(t.b, memo, rc) : null, { status: t.s, statusText: t.t, headers: t.h });
  }
  return undefined;
}

const rpcCodec = { ref: (v) => N.rpcExport(v), stub: (k, f) => rpcNode(N.rpcStub(k), [], null, f) };
function rpcSerialize(v) { return JSON.stringify(ser(v, new Map(), true, rpcCodec)); }
function rpcDeserialize(s) { return deser(JSON.parse(s), [], rpcCodec); }

// ctx.exports: the worker's WorkerEntrypoint classes as service stubs
// (loopback RPC, a new instance per call as on the platform) and, through
// Go (N.exportValue), other exports such as Durable Object namespaces.
let ctxExportsObj = null;
function ctxExports() {
  if (ctxExportsObj) return ctxExportsObj;
  const mod = G.__valet_worker || {};
  const out = {};
  for (const name of Object.keys(mod)) {
    const v = mod[name];
    if (typeof v === "function" && v.prototype instanceof WorkerEntrypoint) {
      Object.defineProperty(out, name, { enumerable: true, value: rpcNode(N.entrypointStub(name), [], null, false) });
      continue;
    }
    let cached;
    Object.defineProperty(out, name, {
      enumerable: true,
      get() { if (cached === undefined) cached = N.exportValue(name); return cached === null ? undefined : cached; },
    });
  }
  ctxExportsObj = Object.freeze(out);
  return ctxExportsObj;
}
Object.defineProperty(ExecutionContext.prototype, "exports", { get() { return ctxExports(); }, configurable: true });

function newEntrypoint(name, env) {
  const C = (G.__valet_worker || {})[name];
  return new C(new ExecutionContext(), env);
}
