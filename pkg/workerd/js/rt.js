// valet's glue inside the app's worker (bundled by valet as a module beside
// the app's own). It adds what workerd cannot do on a plain machine:
// - each bound Durable Object class is wrapped in a facade that owns the
//   object for one process at a time (valet hands objects over between the
//   versions it runs) and builds the user's object only once it owns it;
// - ctx.container, backed by valet's container manager through the bridge
//   service, with workerd's own semantics and messages.
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

export const BRIDGE = "__VALET_BRIDGE";
const STATE = Symbol("valet.state");

// The probe valet's control worker calls: it answers only once every module
// of the worker evaluated, so a worker that throws at load is seen at start.
export class ValetProbe extends WorkerEntrypoint {
  fetch() {
    return new Response("ok");
  }
}

async function bridgeCall(bridge, path, body) {
  const resp = await bridge.fetch("http://valet" + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? "{}" : JSON.stringify(body),
  });
  const text = await resp.text();
  if (!resp.ok) {
    let message = text;
    try {
      message = JSON.parse(text).error || text;
    } catch {}
    throw new Error(message);
  }
  return text ? JSON.parse(text) : {};
}

function query(st, extra) {
  const q = new URLSearchParams({ class: st.className, id: st.id });
  for (const [k, v] of Object.entries(extra || {})) q.set(k, String(v));
  return q.toString();
}

// ---------------------------------------------------------------------------
// ctx.container

class ValetContainer {
  #st;
  #running = false;
  #generation = 0;
  #monitor = null; // { generation, promise }
  #destroyReason = undefined;

  constructor(st) {
    this.#st = st;
  }

  // Called by the facade with what valet knows when the object is built.
  _adopt(state) {
    if (state && state.running) this.#watch(state.generation || 0);
  }

  get running() {
    return this.#running;
  }

  start(options = {}) {
    if (this.#running) {
      throw new Error("start() cannot be called on a container that is already running.");
    }
    const env = options.env || {};
    for (const [k, v] of Object.entries(env)) {
      if (k.includes("=")) throw new Error("Environment variable names cannot contain '=': " + k);
      if (k.includes("\0")) throw new Error("Environment variable names cannot contain '\\0': " + k);
      if (String(v).includes("\0")) throw new Error("Environment variable values cannot contain '\\0': " + k);
    }
    const body = {
      env,
      entrypoint: options.entrypoint || null,
      enableInternet: options.enableInternet === undefined ? null : !!options.enableInternet,
      labels: options.labels || null,
    };
    const generation = ++this.#generation;
    this.#destroyReason = undefined;
    this.#running = true;
    const started = bridgeCall(this.#st.bridge, "/containers/start?" + query(this.#st), body);
    // start() returns at once with running true, as workerd's; a port fetch
    // made right after it must reach valet after the start call did.
    this.#st.starting = started.then(
      () => {},
      () => {},
    );
    this.#watch(generation, started);
  }

  #watch(generation, started) {
    this.#generation = generation;
    this.#running = true;
    const st = this.#st;
    const exited = (async () => {
      const r = started ? await started : {};
      const gen = r.generation !== undefined ? r.generation : generation;
      return bridgeCall(st.bridge, "/containers/monitor?" + query(st, { generation: gen }));
    })();
    const settled = exited.then(
      (r) => r,
      (e) => ({ error: e }),
    );
    const promise = settled.then((r) => {
      if (this.#monitor && this.#monitor.generation === generation) {
        const reason = this.#destroyReason;
        this.#destroyReason = undefined;
        if (reason !== undefined) throw reason;
      }
      if (r.error) throw r.error instanceof Error ? r.error : new Error(String(r.error));
      if (r.exitCode) {
        const err = new Error("Container exited with unexpected exit code: " + r.exitCode);
        err.exitCode = r.exitCode;
        throw err;
      }
    });
    // Nobody may call monitor(): the rejection must not count as unhandled.
    promise.catch(() => {});
    settled.then(() => {
      if (this.#generation === generation) this.#running = false;
    });
    this.#monitor = { generation, promise, settled };
  }

  monitor() {
    if (!this.#monitor) {
      throw new Error("monitor() cannot be called on a container that is not running.");
    }
    return this.#monitor.promise;
  }

  async destroy(reason) {
    if (!this.#running) return;
    if (this.#destroyReason === undefined) this.#destroyReason = reason;
    const settled = this.#monitor && this.#monitor.settled;
    await bridgeCall(this.#st.bridge, "/containers/destroy?" + query(this.#st));
    if (settled) await settled;
  }

  signal(signo) {
    if (!(Number.isInteger(signo) && signo > 0 && signo <= 64)) throw new RangeError("Invalid signal number.");
    if (!this.#running) throw new Error("signal() cannot be called on a container that is not running.");
    this.#st.ctx.waitUntil(bridgeCall(this.#st.bridge, "/containers/signal?" + query(this.#st, { signal: signo })).catch(() => {}));
  }

  setInactivityTimeout(durationMs) {
    if (!(durationMs > 0)) throw new TypeError("setInactivityTimeout() cannot be called with a durationMs <= 0");
    return bridgeCall(this.#st.bridge, "/containers/inactivity?" + query(this.#st, { ms: durationMs }));
  }

  getTcpPort(port) {
    if (!(Number.isInteger(port) && port > 0 && port < 65536)) throw new RangeError("Invalid port number: " + port);
    const st = this.#st;
    return {
      fetch: async (input, init) => {
        if (st.starting) await st.starting;
        const req = new Request(input, init);
        const url = new URL(req.url);
        if (url.protocol === "https:") {
          throw new Error(
            "Connecting to a container using HTTPS is not currently supported; use HTTP instead. " +
              "TLS is unnecessary anyway, as the connection is already secure by default.",
          );
        }
        const headers = new Headers(req.headers);
        headers.set("x-valet-url", req.url);
        const target = "http://valet/containers/port?" + query(st, { port });
        const resp = await st.bridge.fetch(target, {
          method: req.method,
          headers,
          body: req.body,
          redirect: "manual",
        });
        const fail = resp.headers.get("x-valet-error");
        if (fail) {
          await resp.body?.cancel();
          if (fail === "not-listening") throw new Error("Container is not listening to port " + port);
          if (fail === "not-running") throw new Error("Container is not running.");
          throw new Error(fail);
        }
        return resp;
      },
      connect() {
        throw new Error("valet: getTcpPort().connect() is not supported yet; use fetch()");
      },
    };
  }
}

// ---------------------------------------------------------------------------
// Durable Object facades

function withoutBridge(env) {
  const out = {};
  for (const k of Object.keys(env)) if (k !== BRIDGE) out[k] = env[k];
  return out;
}

function prototypeMembers(proto, stop) {
  const members = new Map();
  for (let p = proto; p && p !== stop && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === "constructor" || members.has(name)) continue;
      members.set(name, Object.getOwnPropertyDescriptor(p, name));
    }
  }
  return members;
}

function settle(st) {
  if (--st.inflight === 0 && st.idle) {
    const idle = st.idle;
    st.idle = null;
    idle();
  }
}

// own builds the user's object once valet says this process owns it. It
// runs under blockConcurrencyWhile, so no event reaches the object before.
async function own(self, User, st, handoff) {
  const r = await bridgeCall(st.bridge, "/objects/acquire?" + query(st));
  if (st.container) st.container._adopt(r.container);
  st.inner = new User(st.ctx, st.env);
  st.owned = true;
  // An object that moved here may have an alarm the previous process set
  // after this one started: setting it again tells this process's alarm
  // scheduler about it.
  if ((handoff || r.handoff) && st.ctx.storage && st.ctx.storage.getAlarm) {
    const at = await st.ctx.storage.getAlarm();
    if (at !== null && at !== undefined) await st.ctx.storage.setAlarm(at);
  }
}

async function release(st) {
  st.releasing = true;
  st.released = new Promise((resolve) => (st.releasedResolve = resolve));
  if (st.inflight > 0) await new Promise((resolve) => (st.idle = resolve));
  if (st.ctx.getWebSockets) {
    for (const ws of st.ctx.getWebSockets()) {
      try {
        ws.close(1012, "Durable Object moved to a new version");
      } catch {}
    }
  }
  let alarm = null;
  if (st.ctx.storage && st.ctx.storage.getAlarm) alarm = await st.ctx.storage.getAlarm();
  st.inner = null;
  st.owned = false;
  st.releasing = false;
  st.releasedResolve();
  return { alarm };
}

// Handlers the runtime calls with no caller to see their exceptions:
// workerd logs nothing for them (a failing alarm is retried silently), so
// they go to the log with their stack.
const UNSEEN = new Set(["alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);

function report(e) {
  console.error("Uncaught", e);
}

export function facade(User, options) {
  if (typeof User !== "function") return User;
  const isDO = User.prototype instanceof DurableObject;
  const Base = isDO ? DurableObject : Object;
  const { className, container, token } = options;

  class Facade extends Base {
    constructor(ctx, env) {
      if (isDO) super(ctx, env);
      else super();
      const st = {
        className,
        id: ctx.id.toString(),
        ctx,
        env: withoutBridge(env),
        bridge: env[BRIDGE],
        inner: null,
        owned: false,
        releasing: false,
        inflight: 0,
        idle: null,
        container: null,
      };
      this[STATE] = st;
      if (container) {
        st.container = new ValetContainer(st);
        Object.defineProperty(ctx, "container", { value: st.container, configurable: true, enumerable: true });
      }
      ctx.blockConcurrencyWhile(() => own(this, User, st, false));
    }
  }

  // Calls reach the user's object through these; while the object is being
  // handed over they wait until this process owns it again.
  const enter = async (self) => {
    const st = self[STATE];
    while (!st.owned || st.releasing) {
      if (st.releasing) {
        await st.released;
        continue;
      }
      await st.ctx.blockConcurrencyWhile(() => own(self, User, st, true));
    }
  };

  const forward = (name) =>
    function (...args) {
      const st = this[STATE];
      if (name === "fetch" && args[0] instanceof Request && args[0].headers.get("x-valet-control") === token) {
        return control(st, args[0]);
      }
      if (!st.owned || st.releasing) {
        return enter(this).then(() => forward(name).apply(this, args));
      }
      st.inflight++;
      let result;
      try {
        result = st.inner[name](...args);
      } catch (e) {
        settle(st);
        if (UNSEEN.has(name)) report(e);
        throw e;
      }
      if (result && typeof result.then === "function") {
        const done = Promise.resolve(result).finally(() => settle(st));
        return UNSEEN.has(name) ? done.catch((e) => { report(e); throw e; }) : done;
      }
      settle(st);
      return result;
    };

  const members = prototypeMembers(User.prototype, isDO ? DurableObject.prototype : Object.prototype);
  if (!members.has("fetch")) members.set("fetch", { value: null });
  for (const [name, desc] of members) {
    if (desc.get || desc.set) {
      Object.defineProperty(Facade.prototype, name, {
        get() {
          return this[STATE].inner?.[name];
        },
        set(v) {
          if (this[STATE].inner) this[STATE].inner[name] = v;
        },
        configurable: true,
      });
    } else if (typeof desc.value === "function" || name === "fetch") {
      Object.defineProperty(Facade.prototype, name, { value: forward(name), writable: true, configurable: true });
    }
  }
  Object.defineProperty(Facade, "name", { value: User.name || className });

  async function control(st, req) {
    const url = new URL(req.url);
    if (url.pathname === "/__valet/release") {
      if (!st.owned) return Response.json({ alarm: null, released: false });
      const r = await release(st);
      return Response.json({ ...r, released: true });
    }
    if (url.pathname === "/__valet/wake") {
      if (!st.owned) await st.ctx.blockConcurrencyWhile(() => own(null, User, st, true));
      return Response.json({ owned: true });
    }
    return new Response("unknown control request", { status: 404 });
  }

  // A class without fetch of its own: a fetch that is not valet's answers as
  // workerd does for such a class.
  if (!prototypeMembers(User.prototype, isDO ? DurableObject.prototype : Object.prototype).has("fetch")) {
    const original = Facade.prototype.fetch;
    Facade.prototype.fetch = function (req) {
      if (req instanceof Request && req.headers.get("x-valet-control") === token) return original.call(this, req);
      throw new Error("Handler does not export a fetch() function.");
    };
  }
  return Facade;
}
