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
  #starting = null; // settles once valet has the last start()

  constructor(st) {
    this.#st = st;
  }

  // Called by the facade with what valet knows when the object is built.
  _adopt(state) {
    if (state && state.running) {
      this.#watch(state.generation || 0);
    } else if (state && this.#running) {
      // Stopped while another version had the object (its image was
      // another): what this process watched is gone.
      this.#generation++;
      this.#running = false;
      this.#monitor = null;
    }
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
    // A request to its port right after start() waits for valet to have
    // the start, as workerd's own client does.
    this.#starting = started.then(
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
    const starting = () => this.#starting;
    return {
      fetch: async (input, init) => {
        if (starting()) await starting();
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

// acquire asks valet for the object (another process holding it releases
// it first) and records the grant, unless a release of that very grant
// overtook the answer. why "alarm" is an alarm of this process: refused
// unless this version is in service, as the alarm runs there.
async function acquire(st, why) {
  const r = await bridgeCall(st.bridge, "/objects/acquire?" + query(st, why === "alarm" ? { for: "alarm" } : {}));
  if (r.epoch <= st.revoked) return;
  st.epoch = r.epoch;
  st.grant = r;
}

// own waits until this process holds a grant. It runs outside any critical
// section: the grant may wait for this very process to answer a release.
async function own(st, why) {
  while (!st.epoch) {
    if (!st.acquiring) {
      const p = acquire(st, why).finally(() => {
        st.acquiring = null;
      });
      st.acquiring = { why, p };
    }
    const { why: theirs, p } = st.acquiring;
    try {
      await p;
    } catch (e) {
      // An alarm's refusal is not a call's: the call asks for itself.
      if (theirs === why || theirs !== "alarm") throw e;
    }
  }
}

// adopt takes the grant in, under blockConcurrencyWhile: the container's
// state, and the alarm the previous owner left unless the caller runs it
// now; then valet knows this process speaks for the object.
async function adopt(st, keepAlarm) {
  const r = st.grant;
  if (!r || r.epoch !== st.epoch) return;
  st.grant = null;
  if (st.container) st.container._adopt(r.container);
  if (r.handoff && !keepAlarm) await adoptAlarm(st, r);
  await bridgeCall(st.bridge, "/objects/adopted?" + query(st, { epoch: r.epoch }));
  st.adopted = r.epoch;
}

// An alarm set in another process is unknown to this one's alarm
// scheduler, and this process's view of the object's storage may be older
// than the other's writes. After a handoff the alarm is set again to what
// the previous owner left: moved by 1 ms and back, as a write of the value
// this process may already hold would not reach its scheduler.
async function adoptAlarm(st, r) {
  const storage = st.ctx.storage;
  if (!storage || !storage.setAlarm) return;
  const at = r.alarmKnown ? r.alarm : await storage.getAlarm();
  if (at === null || at === undefined) {
    await storage.deleteAlarm();
    return;
  }
  await storage.setAlarm(at + 1);
  if (storage.sync) await storage.sync();
  await storage.setAlarm(at);
}

// release lets go of grant epoch: calls in flight finish, WebSockets close,
// the user's object is dropped. A grant this process has not taken in yet
// is dropped as it arrives; valet then passes on what it carried.
async function release(st, epoch) {
  if (epoch > st.revoked) st.revoked = epoch;
  const storage = st.ctx.storage;
  const alarmNow = async () => (storage && storage.getAlarm ? await storage.getAlarm() : null);
  if (st.epoch !== epoch || st.adopted !== epoch) {
    if (st.epoch === epoch) {
      st.epoch = 0;
      st.grant = null;
    }
    return { adopted: false, alarm: await alarmNow() };
  }
  st.releasing = true;
  try {
    if (st.inflight > 0) await new Promise((resolve) => (st.idle = resolve));
    if (st.ctx.getWebSockets) {
      for (const ws of st.ctx.getWebSockets()) {
        try {
          ws.close(1012, "Durable Object moved to a new version");
        } catch {}
      }
    }
    const alarm = await alarmNow();
    st.inner = null;
    st.epoch = 0;
    st.adopted = 0;
    return { adopted: true, alarm };
  } finally {
    st.releasing = false;
  }
}

export function facade(User, options) {
  if (typeof User !== "function") return User;
  const isDO = User.prototype instanceof DurableObject;
  const Base = isDO ? DurableObject : Object;
  const { className, container, token } = options;

  // The user's object is built at the first event, once this process owns
  // the object: a control request (release, wake) never builds it.
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
        epoch: 0, // the grant this process holds (0: none)
        grant: null, // its answer, until adopted
        adopted: 0,
        revoked: 0, // the last grant released
        acquiring: null,
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
    }
  }

  // Calls reach the user's object through these; while the object is being
  // handed over they wait until this process owns it again.
  const enter = async (st) => {
    while (!st.inner || st.releasing) {
      if (st.releasing) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      await own(st, "call");
      await st.ctx.blockConcurrencyWhile(async () => {
        if (!st.epoch || st.releasing) return;
        await adopt(st, false);
        if (!st.inner) st.inner = new User(st.ctx, st.env);
      });
      // The user's constructor may have blocked concurrency itself (to load
      // its state): its critical section runs once ours ended, and the
      // event that built the object waits for it as a first event would.
      await st.ctx.blockConcurrencyWhile(async () => {});
    }
  };

  // An alarm of this process for an object it does not hold: taking the
  // object is refused unless this version is in service; and once taken
  // from another process, the alarm runs only if that process left it due
  // (it may have run it already, or set another, which is then set here).
  const alarmDue = async (st) => {
    await own(st, "alarm");
    let due = true;
    await st.ctx.blockConcurrencyWhile(async () => {
      const r = st.grant;
      if (!r || r.epoch !== st.epoch) return;
      if (r.handoff && r.alarmKnown) due = r.alarm !== null && r.alarm <= Date.now();
      await adopt(st, due);
    });
    return due;
  };

  const forward = (name) =>
    function (...args) {
      const st = this[STATE];
      if (name === "fetch" && args[0] instanceof Request && args[0].headers.get("x-valet-control") === token) {
        return control(st, args[0]);
      }
      if (name === "alarm" && (!st.epoch || st.grant) && !st.releasing) {
        return alarmDue(st).then((due) => (due ? forward(name).apply(this, args) : undefined));
      }
      if (!st.inner || st.releasing) {
        return enter(st).then(() => forward(name).apply(this, args));
      }
      st.inflight++;
      let result;
      try {
        result = st.inner[name](...args);
      } catch (e) {
        settle(st);
        throw e;
      }
      if (result && typeof result.then === "function") {
        return Promise.resolve(result).finally(() => settle(st));
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
          const st = this[STATE];
          if (!st.inner || st.releasing) return enter(st).then(() => st.inner[name]);
          return st.inner[name];
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
    const epoch = Number(url.searchParams.get("epoch") || 0);
    if (url.pathname === "/__valet/release") {
      return Response.json(await release(st, epoch));
    }
    if (url.pathname === "/__valet/wake") {
      await own(st, "wake");
      await st.ctx.blockConcurrencyWhile(() => adopt(st, false));
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
