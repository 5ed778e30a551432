// fetch, service bindings (Fetcher), the execution context and the glue that
// hands requests from Go to the worker and responses back to Go.

function fetchVia(fetcher, input, init) {
  let req;
  try {
    if (input instanceof Request && init === undefined) req = input;
    else {
      if (fetcher !== 0 && typeof input === "string" && !N.urlParse(input)) input = new URL(input, "http://fetcher.invalid/").href;
      req = new Request(input, init);
    }
  } catch (e) {
    return Promise.reject(e);
  }
  const signal = req._signal;
  if (signal && signal.aborted) return Promise.reject(signal.reason);
  if (req.bodyUsed) return Promise.reject(new TypeError(USED));
  const b = req._b;
  req._used = b !== null;
  if (b instanceof ReadableStream) return readAllBytes(b).then((u8) => send(fetcher, req, u8, signal));
  return send(fetcher, req, b, signal);
}

function send(fetcher, req, body, signal) {
  return new Promise((resolve, reject) => {
    const id = N.fetch(fetcher, req._method, req._url, headerList(req), body, req._redirect,
      (err, status, statusText, gid, hasBody, url, redirected, wsid) => {
        if (err !== null) { reject(new TypeError(err)); return; }
        const r = Object.create(Response.prototype);
        r._status = status; r._statusText = statusText; r._gid = gid; r._ct = null;
        r._b = hasBody ? gid : null;
        r._x = { type: "basic", url, redirected, ws: wsid ? fetchedSocket(wsid) : null };
        resolve(r);
      });
    if (signal) signal.addEventListener("abort", () => { N.fetchAbort(id); reject(signal.reason); }, { once: true });
  });
}

define("fetch", function fetch(input, init) { return fetchVia(0, input, init); });

// Fetcher is what a service binding (env.ASSETS, a Durable Object stub) is.
class Fetcher {
  constructor(key, id) {
    if (key !== RS_KEY) throw new TypeError("Illegal constructor");
    this._fid = id;
  }
  fetch(input, init) { return fetchVia(this._fid, input, init); }
  connect() { throw new Error("valet: Fetcher.connect() (TCP sockets) is not supported"); }
}
define("Fetcher", Fetcher);

class ExecutionContext {
  get props() { return this._props || (this._props = {}); }
  waitUntil(p) {
    N.hold();
    Promise.resolve(p).then(() => N.release(), (e) => { reportError(e); N.release(); });
  }
  passThroughOnException() {}
}
define("ExecutionContext", ExecutionContext);

// deliver hands a worker's Response to Go (request rid).
function deliver(rid, r) {
  if (!(r instanceof Response)) {
    throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
  }
  if (r.bodyUsed) throw new TypeError("The Response body has already been used; return a new Response or r.clone().");
  if (r._status === 101) {
    const ws = r.webSocket;
    if (!ws) throw new TypeError("A 101 Response needs a webSocket: new Response(null, { status: 101, webSocket: client })");
    N.respond(rid, 101, r._statusText, headerList(r), null, ws, wsTake(ws));
    return;
  }
  let b = r._b;
  if (b instanceof ReadableStream) b = b.getReader();
  r._used = b !== null;
  N.respond(rid, r._status, r._statusText, headerList(r), b);
}

function settle(rid, v) {
  if (v instanceof Response) { deliver(rid, v); return; }
  if (!(v instanceof Promise)) v = Promise.resolve(v);
  v.then((r) => { try { deliver(rid, r); } catch (e) { N.fail(rid, e); } }, (e) => N.fail(rid, e));
}

// serve runs the worker's fetch handler for request rid, in one call from Go.
// A promise (what an async fetch returns) goes back to Go, which reads a
// settled one directly instead of paying for then().
function serve(handler, rid, method, url, gid, hasBody) {
  const req = incomingRequest(method, url, gid, hasBody);
  try {
    const v = handler(req, new ExecutionContext());
    if (v instanceof Promise) return v;
    deliver(rid, v);
  } catch (e) {
    N.fail(rid, e);
  }
}

function finish(rid, v) {
  try { deliver(rid, v); } catch (e) { N.fail(rid, e); }
}

// pull reads one chunk of a response stream for Go.
function pull(reader, cb) {
  reader.read().then(({ value, done }) => {
    if (done) { cb(true, null, null); return; }
    const u = typeof value === "string" ? N.utf8Encode(value) : toU8(value);
    if (!u) { cb(true, null, "response body stream chunks must be Uint8Array, ArrayBuffer or string"); reader.cancel(); return; }
    cb(false, u, null);
  }, (e) => cb(true, null, formatError(e)));
}

class DurableObject {
  constructor(ctx, env) { this.ctx = ctx; this.env = env; }
}
class WorkerEntrypoint {
  constructor(ctx, env) { this.ctx = ctx; this.env = env; }
}
class WorkflowEntrypoint {
  constructor(ctx, env) { this.ctx = ctx; this.env = env; }
}
class RpcTarget {}
class RpcStub { constructor(v) { return v; } }

const fetchListeners = [];
const scheduledListeners = [];
G.addEventListener = function (type, fn) {
  if (type === "fetch") fetchListeners.push(fn);
  else if (type === "scheduled") scheduledListeners.push(fn);
};
G.removeEventListener = function () {};

class FetchEvent extends Event {
  constructor(type, init) { super(type); this._req = init.request; this._resp = null; this._ctx = init.ctx; }
  get request() { return this._req; }
  respondWith(p) { this._resp = p; }
  waitUntil(p) { this._ctx.waitUntil(p); }
  passThroughOnException() {}
}

// handlerFor finds how the worker answers fetch: an object with fetch, a
// WorkerEntrypoint class, or service-worker addEventListener("fetch").
function handlerFor(mod, env) {
  const d = mod && mod.default;
  if (typeof d === "function") {
    return (req, ctx) => {
      const inst = new d(ctx, env);
      if (typeof inst.fetch !== "function") throw new Error("The default export has no fetch() method");
      return inst.fetch(req);
    };
  }
  if (d && typeof d.fetch === "function") return (req, ctx) => d.fetch(req, env, ctx);
  if (fetchListeners.length > 0) {
    return (req, ctx) => {
      const ev = new FetchEvent("fetch", { request: req, ctx });
      for (const l of fetchListeners) { l(ev); if (ev._resp) break; }
      if (!ev._resp) throw new Error("No fetch event listener called respondWith()");
      return ev._resp;
    };
  }
  return null;
}

// ScheduledController is what scheduled(controller, env, ctx) receives.
class ScheduledController {
  constructor(cron, time) { this.cron = cron; this.scheduledTime = time; this.type = "scheduled"; }
  noRetry() {}
}
define("ScheduledController", ScheduledController);

class ScheduledEvent extends Event {
  constructor(ctl, ctx) { super("scheduled"); this.cron = ctl.cron; this.scheduledTime = ctl.scheduledTime; this._ctx = ctx; }
  noRetry() {}
  waitUntil(p) { this._ctx.waitUntil(p); }
}

// runScheduled calls the worker's scheduled handler (default export,
// WorkerEntrypoint class, or addEventListener("scheduled")) and returns a
// promise that settles, as in workerd, once the handler and what it passed
// to ctx.waitUntil have.
function runScheduled(mod, env, cron, time) {
  const waits = [];
  const ctx = new ExecutionContext();
  ctx.waitUntil = (p) => { waits.push(Promise.resolve(p)); };
  const ctl = new ScheduledController(cron, time);
  const d = mod && mod.default;
  let v;
  if (typeof d === "function") {
    const inst = new d(ctx, env);
    if (typeof inst.scheduled !== "function") throw new Error("Handler does not export a scheduled() function.");
    v = inst.scheduled(ctl);
  } else if (d && typeof d.scheduled === "function") {
    v = d.scheduled(ctl, env, ctx);
  } else if (scheduledListeners.length > 0) {
    const ev = new ScheduledEvent(ctl, ctx);
    for (const l of scheduledListeners) l(ev);
  } else {
    throw new Error("Handler does not export a scheduled() function.");
  }
  return Promise.resolve(v).then(() => Promise.all(waits)).then(() => undefined);
}
