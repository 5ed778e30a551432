// ctx.container, as workerd's Container (src/workerd/api/container.c++) on
// its local Docker client (src/workerd/server/container-client.c++) does it:
// the same checks, messages and lifecycle, on valet's container manager
// through the bridge (pkg/workerd/container.go). This file is appended to
// rt.js (one module: RuntimeSource), whose bridgeCall and query it uses.
//
// Each start() is a run the bridge numbers. A background long-poll of the
// run (workerd's background monitor) turns `running` false when the
// container exits, whether or not anyone calls monitor(). Calls that change
// the container go to the bridge one at a time, in order, and a port's
// fetch or connect waits for the ones before it (workerd's RPC turns and
// mutation queue): a fetch right after start() meets the started container.

const NO_REASON = Symbol("valet.noReason");

const MAX_LABELS = 10;
const MAX_LABEL_NAME_BYTES = 16;
const MAX_LABEL_VALUE_BYTES = 64;
const MAX_IMAGE_REFERENCE_SIZE = 4096;
const INSTANCE_TYPES = ["lite", "standard-1", "standard-2", "standard-3", "standard-4"];

const utf8Length = (s) => new TextEncoder().encode(s).length;

// startBody checks start()'s options as workerd does, in its order, and
// returns what the bridge needs.
function startBody(options) {
  const o = options ?? {};
  const body = { env: {}, entrypoint: null, enableInternet: !!o.enableInternet, labels: null, image: "" };
  if (o.entrypoint !== undefined) body.entrypoint = Array.from(o.entrypoint, String);
  if (o.env !== undefined) {
    for (const [name, v] of Object.entries(o.env)) {
      const value = String(v);
      if (name.includes("=")) throw new Error("Environment variable names cannot contain '=': " + name);
      if (name.includes("\0")) throw new Error("Environment variable names cannot contain '\\0': " + name);
      if (value.includes("\0")) throw new Error("Environment variable values cannot contain '\\0': " + name);
      body.env[name] = value;
    }
  }
  if (o.image !== undefined && o.containerSnapshot !== undefined) {
    throw new TypeError("`image` and `containerSnapshot` are mutually exclusive.");
  }
  if (o.image !== undefined) {
    const image = String(o.image);
    if (image.length > MAX_IMAGE_REFERENCE_SIZE) {
      throw new TypeError("Container image reference cannot exceed " + MAX_IMAGE_REFERENCE_SIZE + " bytes.");
    }
    for (let i = 0; i < image.length; i++) {
      const c = image.charCodeAt(i);
      if (!(c > 0x20 && c < 0x7f)) {
        throw new TypeError("Container image reference must contain only non-space printable ASCII characters.");
      }
    }
    body.image = image;
  }
  if (o.instance !== undefined) {
    if (typeof o.instance === "string") {
      if (!INSTANCE_TYPES.includes(o.instance)) throw new TypeError("Invalid container instance type.");
    } else {
      const { vcpu, memoryMib, diskMb } = o.instance;
      if (!(Number.isFinite(vcpu) && vcpu > 0)) {
        throw new RangeError("Container resource vcpu must be a finite number greater than 0.");
      }
      for (const [name, v] of [["memoryMib", memoryMib], ["diskMb", diskMb]]) {
        if (!(Number.isFinite(v) && v > 0)) {
          throw new RangeError("Container resource " + name + " must be a finite number greater than 0.");
        }
        if (v !== Math.floor(v)) throw new RangeError("Container resource " + name + " must be an integer.");
        if (v > Number.MAX_SAFE_INTEGER) {
          throw new RangeError("Container resource " + name + " exceeds Number.MAX_SAFE_INTEGER.");
        }
      }
    }
    // Resources are the platform's to give: a local container gets what
    // the engine gives it, as under workerd.
  }
  if (o.labels !== undefined) {
    const labels = Object.entries(o.labels);
    if (labels.length > MAX_LABELS) throw new Error("Cannot specify more than " + MAX_LABELS + " container labels");
    body.labels = {};
    labels.forEach(([name, v], i) => {
      const value = String(v);
      if (name.length === 0) throw new Error("Label names cannot be empty");
      if (utf8Length(name) > MAX_LABEL_NAME_BYTES) {
        throw new Error("Label names cannot exceed " + MAX_LABEL_NAME_BYTES + " bytes (index " + i + ")");
      }
      if (utf8Length(value) > MAX_LABEL_VALUE_BYTES) {
        throw new Error("Label values cannot exceed " + MAX_LABEL_VALUE_BYTES + " bytes (index " + i + ")");
      }
      if ([...name].some((c) => c.charCodeAt(0) < 0x20)) {
        throw new Error("Label names cannot contain control characters (index " + i + ")");
      }
      if ([...value].some((c) => c.charCodeAt(0) < 0x20)) {
        throw new Error("Label values cannot contain control characters (index " + i + ")");
      }
      body.labels[name] = value;
    });
  }
  if (o.directorySnapshots !== undefined || o.containerSnapshot !== undefined) {
    throw new Error("valet does not restore container snapshots: start() without directorySnapshots and containerSnapshot");
  }
  return body;
}

// retryable marks an error as workerd marks a disconnection.
function retryable(err) {
  err.retryable = true;
  return err;
}

// portError is workerd's Error for a port the bridge could not reach.
function portError(code, port, detail) {
  switch (code) {
    case "not-started":
      // Before any start(), workerd has no networking sidecar to go through.
      return new Error("connect(): Container ingress proxy is not running.");
    case "not-listening":
      return retryable(new Error("Container is not listening to port " + port));
    case "lost":
      return retryable(new Error("Network connection lost."));
  }
  return new Error(detail || "valet: the container's port could not be reached");
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

let adoptContainer; // (container, state from /objects/acquire) => void

class ValetContainer {
  #st;
  #token = ""; // names the object in the bridge's CONNECT requests
  #starts = 0; // start() calls so far: connect() waits for the bridge to see them
  #queue = Promise.resolve(); // the calls that change the container, in order
  #life = null; // the current run: { running, exit, stopped }
  #destroyReason = NO_REASON;

  static {
    adoptContainer = (c, state) => c.#adopt(state);
  }

  constructor(st) {
    this.#st = st;
  }

  // #adopt takes what valet knows when the object is built: a container
  // that runs already (started in an earlier life of the object, or by
  // another version of the app) is this object's, and running is true.
  //
  // The facade asks again when it owns the object anew (after a handoff):
  // a run it follows already is left alone.
  #adopt(state) {
    if (!state) return;
    this.#token = state.token || "";
    if (state.running && !(this.#life !== null && this.#life.run === state.run)) {
      this.#watch(Promise.resolve(state.run));
    } else if (!state.running && this.#life !== null && this.#life.running) {
      // Stopped while another version had the object (its image was
      // another): the run followed here is gone.
      this.#life = null;
    }
  }

  #call(path, extra, body) {
    return bridgeCall(this.#st.bridge, path + "?" + query(this.#st, extra), body);
  }

  // #enqueue runs f once the calls before it settled, as workerd's client
  // takes one RPC turn at a time; a failure does not stop the next ones.
  #enqueue(f) {
    const p = this.#queue.then(f);
    this.#queue = p.then(
      () => {},
      () => {},
    );
    return p;
  }

  // #watch follows a run until it ends. exit is its exit code (or why it
  // never ran); stopped settles once running is false.
  #watch(run) {
    const life = { running: true, run: 0 };
    life.exit = run
      .then((n) => {
        life.run = n;
        return n;
      })
      .then((n) => this.#call("/containers/monitor", { run: n }))
      .then((r) => {
        if (r.error !== undefined) throw new Error(r.error);
        return r.exitCode;
      });
    life.stopped = life.exit
      .then(
        () => {},
        () => {},
      )
      .then(() => {
        life.running = false;
      });
    this.#life = life;
  }

  get running() {
    return this.#life !== null && this.#life.running;
  }

  get images() {
    return {};
  }

  start(options) {
    if (this.running) {
      throw new Error("start() cannot be called on a container that is already running.");
    }
    const body = startBody(options);
    body.seq = ++this.#starts;
    this.#destroyReason = NO_REASON;
    this.#life = null;
    const run = this.#enqueue(() => this.#call("/containers/start", {}, body).then((r) => r.run));
    this.#watch(run);
  }

  monitor() {
    const life = this.#life;
    if (life === null) {
      return Promise.reject(new Error("monitor() cannot be called on a container that is not running."));
    }
    return life.exit.then(
      (code) => {
        // An earlier run can end after a restart: only the current one
        // reports the reason destroy() was given.
        if (this.#life === life && this.#destroyReason !== NO_REASON) {
          const reason = this.#destroyReason;
          this.#destroyReason = NO_REASON;
          throw reason;
        }
        if (code !== 0) {
          const err = new Error("Container exited with unexpected exit code: " + code);
          err.exitCode = code;
          throw err;
        }
      },
      (err) => {
        if (this.#life === life) this.#destroyReason = NO_REASON;
        throw err;
      },
    );
  }

  destroy(reason) {
    if (!this.running) return Promise.resolve();
    if (this.#destroyReason === NO_REASON && reason !== undefined) this.#destroyReason = reason;
    const stopped = this.#life.stopped;
    const destroyed = this.#enqueue(() => this.#call("/containers/destroy"));
    return Promise.all([destroyed, stopped]).then(() => {});
  }

  signal(signo) {
    if (!(signo > 0 && signo <= 64)) throw new RangeError("Invalid signal number.");
    if (!this.running) throw new Error("signal() cannot be called on a container that is not running.");
    const sent = this.#enqueue(() => this.#call("/containers/signal", { signal: Math.trunc(signo) }));
    this.#st.ctx.waitUntil(sent.catch(() => {}));
  }

  setInactivityTimeout(durationMs) {
    if (!(durationMs > 0)) {
      return Promise.reject(new TypeError("setInactivityTimeout() cannot be called with a durationMs <= 0"));
    }
    return this.#enqueue(() => this.#call("/containers/inactivity", { ms: String(durationMs) })).then(() => {});
  }

  interceptOutboundHttp() {
    return unsupported("interceptOutboundHttp()");
  }

  interceptAllOutboundHttp() {
    return unsupported("interceptAllOutboundHttp()");
  }

  interceptOutboundHttps() {
    return unsupported("interceptOutboundHttps()");
  }

  exec() {
    return unsupported("exec()");
  }

  snapshotContainer() {
    return unsupported("snapshotContainer()");
  }

  inspect() {
    return unsupported("inspect()");
  }

  getTcpPort(port) {
    if (!(port > 0 && port < 65536)) throw new TypeError("Invalid port number: " + port);
    port = Math.trunc(port);
    return {
      // async: a bad URL rejects, as fetch() does, rather than throws.
      fetch: async (input, init) => this.#fetch(port, new Request(input, init)),
      connect: (address, options) => this.#connect(port, options),
    };
  }

  // #fetch sends req to the container's port through the bridge, and
  // follows redirects there as a fetch() does.
  async #fetch(port, req) {
    for (let hops = 0; ; hops++) {
      const resp = await this.#fetchOnce(port, req);
      const location = resp.headers.get("location");
      if (req.redirect !== "follow" || !REDIRECTS.has(resp.status) || location === null) return resp;
      if (hops >= 20) throw new TypeError("Too many redirects.");
      const url = new URL(location, req.url).toString();
      const keepsBody = resp.status === 307 || resp.status === 308;
      if (keepsBody && req.body !== null) return resp; // its body was sent already
      // As fetch(): 303 turns into a GET (but HEAD), 301 and 302 turn a POST
      // into a GET, 307 and 308 keep the method.
      const toGet =
        (resp.status === 303 && req.method !== "HEAD") || ((resp.status === 301 || resp.status === 302) && req.method === "POST");
      await resp.body?.cancel();
      req = new Request(url, { method: toGet ? "GET" : req.method, headers: req.headers, body: toGet ? null : req.body, signal: req.signal });
    }
  }

  async #fetchOnce(port, req) {
    if (new URL(req.url).protocol === "https:") {
      throw new Error(
        "Connecting to a container using HTTPS is not currently supported; use HTTP instead. " +
          "TLS is unnecessary anyway, as the connection is already secure by default.",
      );
    }
    await this.#queue;
    const st = this.#st;
    const headers = new Headers(req.headers);
    headers.set("x-valet-url", req.url);
    const resp = await st.bridge.fetch("http://valet/containers/port?" + query(st, { port }), {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
      signal: req.signal,
    });
    const fail = resp.headers.get("x-valet-error");
    if (fail) throw portError(fail, port, await resp.text());
    return resp;
  }

  #connect(port, options) {
    const tls = options && options.secureTransport;
    if (tls !== undefined && tls !== "off") {
      throw new Error(
        "Connecting to a container using TLS is not currently supported. It is unnecessary " +
          "anyway, as the connection is already secure by default.",
      );
    }
    // The bridge waits for this object's start() calls so far to reach it
    // (the socket must be returned now, before they are answered).
    return this.#st.bridge.connect(this.#token + "-" + this.#starts + ".valet:" + port);
  }
}

function unsupported(what) {
  return Promise.reject(new Error("valet does not support ctx.container." + what + " yet"));
}
