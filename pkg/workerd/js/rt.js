// valet's glue inside the app's worker (bundled by valet as a module beside
// the app's own). It adds what workerd cannot do on a plain machine:
// - each bound Durable Object class is wrapped in a facade that owns the
//   object for one process at a time (valet hands objects over between the
//   versions it runs) and builds the user's object only once it owns it;
// - ctx.container, backed by valet's container manager through the bridge
//   service, with workerd's own semantics and messages (container.js,
//   appended to this file).
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
  if (st.container) adoptContainer(st.container, r.container);
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
