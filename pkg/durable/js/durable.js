// Durable Objects inside one isolate: namespaces and stubs (the caller's
// side) and, for objects pinned to this isolate, the state (ctx) with its
// storage, container and input gate. D holds the Go natives; the result is
// what Go calls.
(function (D) {
  "use strict";
  const G = globalThis;
  if (typeof G.IdentityTransformStream === "undefined") {
    // @cloudflare/containers pipes container responses through one.
    class IdentityTransformStream extends TransformStream {}
    Object.defineProperty(G, "IdentityTransformStream", { value: IdentityTransformStream, writable: true, configurable: true });
  }

  class DurableObjectId {
    constructor(hex, name) {
      Object.defineProperty(this, "_hex", { value: hex });
      if (name !== undefined) this.name = name;
    }
    toString() { return this._hex; }
    toJSON() { return this._hex; }
    equals(other) { return other instanceof DurableObjectId && other._hex === this._hex; }
  }

  class DurableObjectNamespace {
    constructor(ns, cls) { this._ns = ns; this._cls = cls; this._stubs = new Map(); }
    idFromName(name) {
      if (arguments.length === 0) throw new TypeError("idFromName: 1 argument required");
      name = String(name);
      return new DurableObjectId(D.idFromName(this._ns, name), name);
    }
    idFromString(s) { return new DurableObjectId(D.idFromString(String(s), this._ns)); }
    newUniqueId() { return new DurableObjectId(D.newUniqueId(this._ns)); }
    get(id) {
      if (!(id instanceof DurableObjectId)) throw new TypeError(`get() expects a DurableObjectId from idFromName, idFromString or newUniqueId of the ${this._cls} namespace`);
      if (id.name === undefined) D.idFromString(id._hex, this._ns);
      return makeStub(this, id);
    }
    getByName(name) { return this.get(this.idFromName(name)); }
    getExisting(id) { return this.get(id); }
    jurisdiction() { return this; }
  }

  function makeStub(ns, id) {
    const name = id.name;
    let fetcher = ns._stubs.get(id._hex);
    if (!fetcher) {
      fetcher = D.fetcher(ns._ns, id._hex, name === undefined ? null : name);
      ns._stubs.set(id._hex, fetcher);
    }
    const target = {
      id,
      name,
      fetch(input, init) { return fetcher.fetch(input, init); },
      connect() { throw new Error("valet: Durable Object stubs do not support connect()"); },
    };
    return D.stub(target, ns._ns, id._hex, name === undefined ? null : name);
  }

  // The input gate: events run at once unless blockConcurrencyWhile holds the
  // object, when they queue in arrival order.
  class Gate {
    constructor() { this.blocked = 0; this.queue = []; }
    run(fn) {
      if (this.blocked === 0 && this.queue.length === 0) return fn();
      return new Promise((resolve, reject) => {
        this.queue.push(() => { try { resolve(fn()); } catch (e) { reject(e); } });
      });
    }
    block(cb) {
      this.blocked++;
      let p;
      try { p = Promise.resolve(cb()); } catch (e) { p = Promise.reject(e); }
      const done = () => { this.blocked--; this.drain(); };
      return p.then((v) => { done(); return v; }, (e) => { done(); throw e; });
    }
    drain() {
      while (this.blocked === 0 && this.queue.length > 0) this.queue.shift()();
    }
  }

  // Members of a Durable Object that RPC does not reach: its state.
  const RESERVED = new Set(["ctx", "env", "constructor"]);

  const settled = (fn) => { try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); } };
  const checkKey = (k) => {
    if (typeof k !== "string") throw new TypeError("Durable Object storage keys must be strings");
    return k;
  };

  class SqlStorageCursor {
    constructor(r) {
      this._cols = r.columns; this._rows = r.rows; this._i = 0;
      this.rowsRead = r.read; this.rowsWritten = r.written;
    }
    get columnNames() { return this._cols.slice(); }
    _obj(row) { const o = {}; this._cols.forEach((c, j) => { o[c] = row[j]; }); return o; }
    next() {
      if (this._i >= this._rows.length) return { done: true, value: undefined };
      return { done: false, value: this._obj(this._rows[this._i++]) };
    }
    [Symbol.iterator]() { return this; }
    toArray() { const out = []; for (const r of this) out.push(r); return out; }
    one() {
      const rest = this._rows.length - this._i;
      if (rest === 0) throw new Error("Expected exactly one result from SQL query, but got no results.");
      if (rest > 1) throw new Error("Expected exactly one result from SQL query, but got multiple results.");
      return this.next().value;
    }
    raw() {
      const self = this;
      return {
        next() { return self._i >= self._rows.length ? { done: true, value: undefined } : { done: false, value: self._rows[self._i++].slice() }; },
        [Symbol.iterator]() { return this; },
        toArray() { const out = []; for (const r of this) out.push(r); return out; },
      };
    }
  }

  function sqlValue(v) {
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (typeof v === "boolean") return v ? 1 : 0;
    if (v === undefined) return null;
    if (typeof v === "bigint") return Number(v);
    return v;
  }

  function makeStorage(S, gate) {
    const alarmTime = (t) => {
      if (t instanceof Date) t = t.getTime();
      if (typeof t !== "number" || !Number.isFinite(t)) throw new TypeError("setAlarm() expects a Date or a number of milliseconds since the epoch");
      return t;
    };
    const storage = {
      get(k) {
        return settled(() => Array.isArray(k) ? new Map(S.getMany(k.map(checkKey))) : S.get(checkKey(k)));
      },
      put(k, v) {
        return settled(() => {
          if (k !== null && typeof k === "object") { S.putMany(Object.entries(k)); return; }
          if (v === undefined) throw new TypeError("put() needs a value (use delete() to remove a key)");
          S.put(checkKey(k), v);
        });
      },
      delete(k) {
        return settled(() => Array.isArray(k) ? S.del(k.map(checkKey)) : S.del([checkKey(k)]) > 0);
      },
      deleteAll() { return settled(() => { S.deleteAll(); }); },
      list(opts) { return settled(() => new Map(S.list(opts || {}))); },
      getAlarm() { return settled(() => S.getAlarm()); },
      setAlarm(t) { return settled(() => { S.setAlarm(alarmTime(t)); }); },
      deleteAlarm() { return settled(() => { S.deleteAlarm(); }); },
      // Writes reach SQLite synchronously (each put is its own committed
      // statement or part of an open transaction), so there is nothing left
      // to flush: sync() resolves once the current event's writes are made.
      sync() { return Promise.resolve(); },
      transactionSync(fn) {
        S.begin();
        let v;
        try { v = fn(); } catch (e) { S.rollback(); throw e; }
        S.commit();
        return v;
      },
      // The input gate stays closed until the callback settles, so other
      // events of this object neither see nor interleave with its writes
      // even when it awaits real I/O; a throw (or txn.rollback()) undoes them.
      transaction(cb) {
        return gate.block(() => {
          S.begin();
          let rolledBack = false;
          const txn = Object.assign(Object.create(storage), { rollback() { rolledBack = true; } });
          return settled(() => cb(txn)).then(
            (v) => { if (rolledBack) S.rollback(); else S.commit(); return v; },
            (e) => { S.rollback(); throw e; });
        });
      },
      getCurrentBookmark() { return Promise.resolve(""); },
      getBookmarkForTime() { return Promise.resolve(""); },
      onNextSessionRestoreBookmark() { return Promise.resolve(""); },
    };
    storage.kv = {
      get(k) { return S.get(checkKey(k)); },
      put(k, v) { if (v === undefined) throw new TypeError("kv.put() needs a value"); S.put(checkKey(k), v); },
      delete(k) { return S.del([checkKey(k)]) > 0; },
      list(opts) { return S.list(opts || {})[Symbol.iterator](); },
    };
    storage.sql = {
      exec(query, ...bindings) { return new SqlStorageCursor(S.exec(String(query), bindings.map(sqlValue))); },
      get databaseSize() { return S.size(); },
      Cursor: SqlStorageCursor,
    };
    return storage;
  }

  function makeContainer(C) {
    const ports = new Map();
    return {
      get running() { return C.running(); },
      start(opts) {
        opts = opts || {};
        C.start({
          env: opts.env || {},
          entrypoint: Array.isArray(opts.entrypoint) ? opts.entrypoint.map(String) : [],
          enableInternet: opts.enableInternet === undefined ? true : !!opts.enableInternet,
          labels: opts.labels || {},
        });
      },
      monitor() { return C.monitor(); },
      destroy(reason) { return C.destroy(reason === undefined ? "" : String(reason)); },
      signal(n) { C.signal(Number(n)); },
      getTcpPort(p) {
        p = Number(p);
        if (!Number.isInteger(p) || p < 1 || p > 65535) throw new RangeError(`getTcpPort: invalid port ${p}`);
        let f = ports.get(p);
        if (!f) { f = C.port(p); ports.set(p, f); }
        return f;
      },
      setInactivityTimeout() { return Promise.resolve(); },
      interceptOutboundHttp() { return Promise.resolve(); },
      interceptOutboundHttps() { return Promise.resolve(); },
      interceptAllOutboundHttp() { return Promise.resolve(); },
    };
  }

  // hibernation is the WebSocket hibernation API of one object's state,
  // without real hibernation: sockets accepted with ctx.acceptWebSocket
  // deliver to the instance's webSocketMessage/Close/Error through the input
  // gate, and the object stays in memory while they are open (Go counts the
  // upgraded request as in flight).
  function hibernation(gate, instOf) {
    const sockets = new Map(); // WebSocket -> tags
    const stamps = new WeakMap();
    let auto = null;
    const call = (method, args) => {
      const inst = instOf();
      if (!inst || typeof inst[method] !== "function") return;
      Promise.resolve(gate.run(() => inst[method](...args))).catch((e) => console.error(`${method}:`, e));
    };
    const fns = {
      message(ws, m) {
        if (auto !== null && typeof m === "string" && m === auto.request) {
          stamps.set(ws, new Date());
          ws.send(auto.response);
          return;
        }
        call("webSocketMessage", [ws, m]);
      },
      close(ws, code, reason, clean) { sockets.delete(ws); call("webSocketClose", [ws, code, reason, clean]); },
      error(ws, e) { sockets.delete(ws); call("webSocketError", [ws, e]); },
    };
    return {
      acceptWebSocket(ws, tags) {
        if (!(ws instanceof WebSocket)) throw new TypeError("acceptWebSocket() expects the server end of a WebSocketPair");
        const list = tags === undefined || tags === null ? [] : Array.from(tags, String);
        if (list.length > 10) throw new Error("acceptWebSocket(): a WebSocket can have at most 10 tags");
        for (const t of list) if (t.length > 256) throw new Error("acceptWebSocket(): tags are at most 256 characters");
        ws._hibernate(fns);
        sockets.set(ws, list);
      },
      getWebSockets(tag) {
        const out = [];
        for (const [ws, tags] of sockets) {
          if (ws.readyState === WebSocket.CLOSED) { sockets.delete(ws); continue; }
          if (tag === undefined || tag === null || tags.includes(String(tag))) out.push(ws);
        }
        return out;
      },
      getTags(ws) {
        const t = sockets.get(ws);
        if (!t) throw new TypeError("getTags(): this WebSocket was not accepted with ctx.acceptWebSocket()");
        return t.slice();
      },
      setWebSocketAutoResponse(pair) {
        if (pair !== undefined && pair !== null && !(pair instanceof WebSocketRequestResponsePair)) throw new TypeError("setWebSocketAutoResponse() expects a WebSocketRequestResponsePair");
        auto = pair || null;
      },
      getWebSocketAutoResponse() { return auto; },
      getWebSocketAutoResponseTimestamp(ws) { return stamps.get(ws) || null; },
      setHibernatableWebSocketEventTimeout() {},
      getHibernatableWebSocketEventTimeout() { return null; },
    };
  }

  // create builds the object's state and instance; Go keeps the holder.
  function create(Class, hex, name, S, C, env, abort) {
    const gate = new Gate();
    let inst = null;
    const ctx = {
      id: new DurableObjectId(hex, name === null ? undefined : name),
      storage: makeStorage(S, gate),
      blockConcurrencyWhile(cb) { return gate.block(cb); },
      waitUntil(p) { Promise.resolve(p).catch((e) => console.error("waitUntil:", e)); },
      abort(reason) {
        abort(reason === undefined ? "" : String(reason));
        throw new Error("Durable Object reset because its code called ctx.abort()" + (reason ? ": " + reason : ""));
      },
      ...hibernation(gate, () => inst),
      props: undefined,
      get exports() { return new ExecutionContext().exports; },
    };
    if (C) ctx.container = makeContainer(C);
    if (typeof Class !== "function") throw new TypeError(`Durable Object class is not exported by the worker (export class ... from main)`);
    inst = new Class(ctx, env);
    return {
      fetch(req) {
        return gate.run(() => {
          if (typeof inst.fetch !== "function") throw new TypeError(`Handler does not export a fetch() function.`);
          return inst.fetch(req);
        });
      },
      rpc(path, args, op) {
        if (path.length > 0 && RESERVED.has(path[0])) {
          return Promise.reject(new TypeError(`The RPC receiver does not implement the method "${path[0]}".`));
        }
        return gate.run(() => D.invoke(inst, path, args, op));
      },
      alarm(info) {
        return gate.run(() => {
          if (typeof inst.alarm !== "function") throw new TypeError("alarm() is not implemented by the Durable Object class, but an alarm was set");
          return inst.alarm(info);
        });
      },
    };
  }

  // settle calls cb(false, value) or cb(true, error) once v settles.
  function settle(v, cb) {
    Promise.resolve(v).then((x) => cb(false, x), (e) => cb(true, e));
  }

  return {
    namespace: (ns, cls) => new DurableObjectNamespace(ns, cls),
    create,
    settle,
  };
})
