// Base helpers, DOMException, Event/EventTarget, AbortController/AbortSignal.
// The prelude runs inside function(N, G) { ... }: N holds Go natives, G is globalThis.
// goja lacks Symbol.asyncIterator; esbuild's helpers fall back to this same
// registered symbol, so for-await over our streams works in lowered code.
if (typeof Symbol.asyncIterator !== "symbol") {
  Object.defineProperty(Symbol, "asyncIterator", { value: Symbol.for("Symbol.asyncIterator") });
}

const define = (name, value) =>
  Object.defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });

const isObj = (v) => v !== null && (typeof v === "object" || typeof v === "function");

// toU8 views any BufferSource as a Uint8Array without copying.
function toU8(v) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) return new Uint8Array(v);
  return null;
}

function copyU8(v) {
  const u = toU8(v);
  return u.slice();
}

function concatU8(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  if (total === undefined) { total = 0; for (const c of chunks) total += c.length; }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
}

// exactBuffer returns an ArrayBuffer holding exactly u's bytes.
function exactBuffer(u) {
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength) return u.buffer;
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength);
}

const DOM_CODES = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
  SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
  TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

class DOMException extends Error {
  constructor(message = "", name = "Error") {
    super(String(message));
    Object.defineProperty(this, "name", { value: String(name), configurable: true, writable: true });
  }
  get code() { return DOM_CODES[this.name] || 0; }
}
for (const [k, v] of Object.entries(DOM_CODES)) {
  const c = k.replace(/Error$/, "").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase() + "_ERR";
  Object.defineProperty(DOMException, c, { value: v });
}
define("DOMException", DOMException);

class Event {
  constructor(type, init) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required.");
    this._type = String(type);
    this._bubbles = !!(init && init.bubbles);
    this._cancelable = !!(init && init.cancelable);
    this._composed = !!(init && init.composed);
    this._defaultPrevented = false;
    this._stop = false;
    this._target = null;
    this._current = null;
    this._ts = N.now();
  }
  get type() { return this._type; }
  get bubbles() { return this._bubbles; }
  get cancelable() { return this._cancelable; }
  get composed() { return this._composed; }
  get defaultPrevented() { return this._defaultPrevented; }
  get target() { return this._target; }
  get srcElement() { return this._target; }
  get currentTarget() { return this._current; }
  get timeStamp() { return this._ts; }
  get eventPhase() { return this._current ? 2 : 0; }
  get isTrusted() { return false; }
  composedPath() { return this._current ? [this._current] : []; }
  preventDefault() { if (this._cancelable) this._defaultPrevented = true; }
  stopPropagation() {}
  stopImmediatePropagation() { this._stop = true; }
}
Event.NONE = 0; Event.CAPTURING_PHASE = 1; Event.AT_TARGET = 2; Event.BUBBLING_PHASE = 3;
define("Event", Event);

class CustomEvent extends Event {
  constructor(type, init) { super(type, init); this._detail = init && init.detail !== undefined ? init.detail : null; }
  get detail() { return this._detail; }
}
define("CustomEvent", CustomEvent);

class EventTarget {
  constructor() { Object.defineProperty(this, "_listeners", { value: new Map(), writable: true }); }
  addEventListener(type, listener, options) {
    if (listener == null) return;
    const once = isObj(options) && !!options.once;
    const signal = isObj(options) ? options.signal : undefined;
    if (signal && signal.aborted) return;
    let list = this._listeners.get(type);
    if (!list) { list = []; this._listeners.set(type, list); }
    if (list.some((l) => l.fn === listener)) return;
    const entry = { fn: listener, once };
    list.push(entry);
    if (signal) signal.addEventListener("abort", () => this.removeEventListener(type, listener));
  }
  removeEventListener(type, listener) {
    const list = this._listeners.get(type);
    if (!list) return;
    const i = list.findIndex((l) => l.fn === listener);
    if (i >= 0) list.splice(i, 1);
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) throw new TypeError("dispatchEvent: argument is not an Event");
    event._target = this;
    event._current = this;
    const handler = this["on" + event.type];
    const list = (this._listeners.get(event.type) || []).slice();
    if (typeof handler === "function") list.unshift({ fn: handler, once: false, attr: true });
    for (const l of list) {
      if (l.once) this.removeEventListener(event.type, l.fn);
      try {
        if (typeof l.fn === "function") l.fn.call(this, event);
        else if (l.fn && typeof l.fn.handleEvent === "function") l.fn.handleEvent(event);
      } catch (e) {
        reportError(e);
      }
      if (event._stop) break;
    }
    event._current = null;
    return !event._defaultPrevented;
  }
}
define("EventTarget", EventTarget);

function reportError(e) {
  N.log("error", "Uncaught " + formatError(e));
}
define("reportError", reportError);

function formatError(e) {
  if (e instanceof Error || (isObj(e) && typeof e.stack === "string")) {
    return N.mapStack(String(e.stack || e));
  }
  return String(e);
}

class AbortSignal extends EventTarget {
  constructor(key) {
    if (key !== ABORT_KEY) throw new TypeError("Illegal constructor");
    super();
    this._aborted = false;
    this._reason = undefined;
    this.onabort = null;
  }
  get aborted() { return this._aborted; }
  get reason() { return this._reason; }
  throwIfAborted() { if (this._aborted) throw this._reason; }
  _abort(reason) {
    if (this._aborted) return;
    this._aborted = true;
    this._reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    this.dispatchEvent(new Event("abort"));
  }
  static abort(reason) { const s = new AbortSignal(ABORT_KEY); s._abort(reason); return s; }
  static timeout(ms) {
    const s = new AbortSignal(ABORT_KEY);
    N.setTimer(() => s._abort(new DOMException("The operation timed out.", "TimeoutError")), Number(ms) || 0, false, true);
    return s;
  }
  static any(signals) {
    const s = new AbortSignal(ABORT_KEY);
    for (const x of signals) {
      if (x.aborted) { s._abort(x.reason); return s; }
    }
    for (const x of signals) x.addEventListener("abort", () => s._abort(x.reason), { once: true });
    return s;
  }
}
const ABORT_KEY = {};
define("AbortSignal", AbortSignal);

class AbortController {
  constructor() { this._signal = new AbortSignal(ABORT_KEY); }
  get signal() { return this._signal; }
  abort(reason) { this._signal._abort(reason); }
}
define("AbortController", AbortController);
