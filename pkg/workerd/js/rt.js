// valet's glue inside the app's worker (bundled by valet as a module beside
// the app's own). It adds what workerd cannot do on a plain machine:
// - each bound Durable Object class is wrapped in a facade that owns the
//   object for one process at a time (valet hands objects over between the
//   versions it runs) and builds the user's object only once it owns it;
// - ctx.container, backed by valet's container manager through the bridge
//   service, with workerd's own semantics and messages (container.js,
//   appended to this file).
import { DurableObject, WorkerEntrypoint, env as moduleEnv } from "cloudflare:workers";

export const BRIDGE = "__VALET_BRIDGE";

// The bridge is valet's binding, not the app's: wrangler dev's env has no
// such key, so it is kept out of Object.keys(env) and JSON.stringify(env).
// Made non-enumerable once here, on the env every handler of the isolate
// sees, it costs no request anything.
try {
  if (moduleEnv && BRIDGE in moduleEnv) Object.defineProperty(moduleEnv, BRIDGE, { enumerable: false });
} catch {}
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
  if (!r.epoch) r.epoch = st.revoked + 1; // a bridge that numbers no grant
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
  if (st.container) adoptContainer(st.container, r.container);
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
  st.released = new Promise((resolve) => (st.releasedResolve = resolve));
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
    st.releasedResolve();
  }
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

  // The user's object is built at its first event, once this process owns
  // the object (or as it is woken here): a release never builds it.
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
        released: null, // settles once the release in progress is done
        releasedResolve: null,
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
        await st.released;
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
        if (UNSEEN.has(name)) report(e);
        throw e;
      }
      if (result && typeof result.then === "function") {
        const done = Promise.resolve(result).finally(() => settle(st));
        return UNSEEN.has(name)
          ? done.catch((e) => {
              report(e);
              throw e;
            })
          : done;
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
      // The object is built here, its alarm set in this process, its
      // storage open in this workerd before another one closes it.
      await enter(st);
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
