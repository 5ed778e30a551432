// WebSocket and WebSocketPair as workerd has them. Each WebSocket is one end
// of a link: what one end send()s, its _peer receives. Both ends of a
// WebSocketPair live in JS; an end that Go "plays" (_go, an endpoint id) is
// a real connection: what it receives Go writes to the wire, and what Go reads
// from the wire arrives at its peer as if the Go end had sent it. The client
// end returned in a 101 Response becomes Go's once the upgrade is done; the
// webSocket of a fetch() upgrade is the JS end of a pair whose other end is
// Go's from the start.
// Events are queued until accept() (or ctx.acceptWebSocket) and dispatched
// from a microtask, so listeners added right after accept() see them all.
// _hib (set by pkg/durable's ctx.acceptWebSocket) routes events to the Durable
// Object's webSocketMessage/webSocketClose/webSocketError instead.

class MessageEvent extends Event {
  constructor(type, init) { super(type, init); this._data = init && init.data !== undefined ? init.data : null; }
  get data() { return this._data; }
}
define("MessageEvent", MessageEvent);

class CloseEvent extends Event {
  constructor(type, init) {
    super(type, init);
    init = init || {};
    this._code = init.code === undefined ? 0 : Number(init.code);
    this._reason = init.reason === undefined ? "" : String(init.reason);
    this._clean = !!init.wasClean;
  }
  get code() { return this._code; }
  get reason() { return this._reason; }
  get wasClean() { return this._clean; }
}
define("CloseEvent", CloseEvent);

if (typeof G.ErrorEvent === "undefined") {
  class ErrorEvent extends Event {
    constructor(type, init) {
      super(type, init);
      init = init || {};
      this._error = init.error; this._message = init.message === undefined ? "" : String(init.message);
    }
    get error() { return this._error; }
    get message() { return this._message; }
    get filename() { return ""; }
    get lineno() { return 0; }
    get colno() { return 0; }
  }
  define("ErrorEvent", ErrorEvent);
}

class WebSocketRequestResponsePair {
  constructor(request, response) {
    if (arguments.length < 2) throw new TypeError("WebSocketRequestResponsePair needs a request and a response string");
    this._req = String(request); this._resp = String(response);
  }
  get request() { return this._req; }
  get response() { return this._resp; }
}
define("WebSocketRequestResponsePair", WebSocketRequestResponsePair);

const WS_KEY = {};
const WS_CONNECTING = 0, WS_OPEN = 1, WS_CLOSING = 2, WS_CLOSED = 3;

function wsInit(ws) {
  ws._peer = null; ws._go = 0; ws._state = WS_OPEN; ws._accepted = false; ws._queue = [];
  ws._draining = false; ws._sentClose = false; ws._gotClose = false; ws._taken = false;
  ws._started = false; ws._hib = null; ws._att = undefined; ws._url = null; ws._protocol = "";
  ws.onopen = null; ws.onmessage = null; ws.onclose = null; ws.onerror = null;
}

class WebSocket extends EventTarget {
  constructor(url, protocols) {
    super();
    wsInit(this);
    if (url === WS_KEY) return;
    // A client WebSocket: new WebSocket("wss://...") dials through fetch.
    if (arguments.length === 0) throw new TypeError("Failed to construct 'WebSocket': 1 argument required.");
    const u = new URL(String(url));
    if (u.protocol !== "ws:" && u.protocol !== "wss:" && u.protocol !== "http:" && u.protocol !== "https:") {
      throw new DOMException(`WebSocket URL must use ws: or wss:, not ${u.protocol}`, "SyntaxError");
    }
    if (u.hash) throw new DOMException("WebSocket URL must not have a fragment", "SyntaxError");
    this._url = u.href;
    this._state = WS_CONNECTING;
    if (u.protocol === "ws:") u.protocol = "http:";
    if (u.protocol === "wss:") u.protocol = "https:";
    const headers = { Upgrade: "websocket" };
    if (protocols !== undefined) {
      const list = typeof protocols === "string" ? [protocols] : Array.from(protocols, String);
      if (list.length > 0) headers["Sec-WebSocket-Protocol"] = list.join(", ");
    }
    fetch(u.href, { headers }).then((r) => {
      const a = r.webSocket;
      if (!a) throw new Error(`WebSocket connection to ${this._url} failed: the server answered ${r.status}`);
      // Take the place of a: its Go peer now talks to this socket.
      const b = a._peer;
      a._taken = true; a._peer = null;
      b._peer = this; this._peer = b;
      this._protocol = r.headers.get("sec-websocket-protocol") || "";
      this._state = WS_OPEN; this._accepted = true;
      b._started = true; N.wsStart(b._go, b);
      this.dispatchEvent(new Event("open"));
      wsDrain(this);
    }).catch((e) => {
      this._state = WS_CLOSED;
      this.dispatchEvent(new ErrorEvent("error", { error: e, message: String(e && e.message || e) }));
      this.dispatchEvent(new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
    });
  }
  get readyState() { return this._state; }
  get url() { return this._url; }
  get protocol() { return this._protocol; }
  get extensions() { return ""; }
  get bufferedAmount() { return 0; }
  get binaryType() { return "arraybuffer"; }
  set binaryType(v) {
    if (v !== "arraybuffer" && v !== "blob") throw new DOMException(`binaryType must be "arraybuffer" or "blob"`, "SyntaxError");
  }
  accept() {
    if (this._taken || this._go) throw new TypeError("Can't accept() a WebSocket that was already used in a response.");
    if (this._accepted) return;
    this._accepted = true;
    wsStartPeer(this);
    wsSchedule(this);
  }
  send(message) {
    if (this._taken || this._go) throw new TypeError("Can't call WebSocket send() on a WebSocket that was used in a response.");
    if (this._state === WS_CONNECTING) throw new DOMException("WebSocket is not open yet: wait for its open event", "InvalidStateError");
    if (!this._accepted) throw new TypeError("You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.");
    if (this._sentClose) throw new TypeError("Can't call WebSocket send() after close().");
    let data;
    if (typeof message === "string") data = message;
    else {
      const u = toU8(message);
      if (u === null) throw new TypeError("WebSocket send() takes a string, an ArrayBuffer or an ArrayBufferView");
      data = u.slice().buffer;
    }
    wsRecv(this._peer, { t: "message", data });
  }
  close(code, reason) {
    // Closing a socket whose close handshake is over does nothing, even with
    // the 1005/1006 its close event reported (webSocketClose handlers often
    // echo the code back).
    if (this._state === WS_CLOSED && !this._taken && !this._go) return;
    if (code !== undefined && code !== null) {
      code = Number(code);
      // workerd's rule: codes a close frame may carry.
      if (!sendableCode(code)) {
        throw new TypeError(`Invalid WebSocket close code: ${code}.`);
      }
    } else code = undefined;
    reason = reason === undefined || reason === null ? "" : String(reason);
    if (N.utf8Encode(reason).length > 123) throw new DOMException("WebSocket close reason is longer than 123 bytes", "SyntaxError");
    if (this._taken || this._go) throw new TypeError("Can't call WebSocket close() on a WebSocket that was used in a response.");
    if (this._sentClose || this._state === WS_CLOSED) return;
    this._sentClose = true;
    this._state = this._gotClose ? WS_CLOSED : WS_CLOSING;
    wsStartPeer(this);
    wsRecv(this._peer, { t: "close", code: code === undefined ? 1005 : code, reason, clean: true });
  }
  serializeAttachment(v) { this._att = v === undefined ? undefined : structuredClone(v); }
  deserializeAttachment() { return this._att === undefined ? null : structuredClone(this._att); }
  // _hibernate is pkg/durable's ctx.acceptWebSocket: events go to fns.
  _hibernate(fns) {
    if (this._taken || this._go) throw new TypeError("Can't accept a WebSocket that was already used in a response.");
    if (this._accepted) throw new TypeError("This WebSocket was already accepted with accept()");
    this._hib = fns;
    this.accept();
  }
}
for (const [k, v] of [["CONNECTING", 0], ["OPEN", 1], ["CLOSING", 2], ["CLOSED", 3], ["READY_STATE_CONNECTING", 0], ["READY_STATE_OPEN", 1], ["READY_STATE_CLOSING", 2], ["READY_STATE_CLOSED", 3]]) {
  Object.defineProperty(WebSocket, k, { value: v, enumerable: true });
  Object.defineProperty(WebSocket.prototype, k, { value: v, enumerable: true });
}
define("WebSocket", WebSocket);

function sendableCode(c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

function newSocket() { return new WebSocket(WS_KEY); }

class WebSocketPair {
  constructor() {
    const a = newSocket(), b = newSocket();
    a._peer = b; b._peer = a;
    this[0] = a; this[1] = b;
  }
}
define("WebSocketPair", WebSocketPair);

// wsStartPeer lets Go read the wire once the JS end is ready for events.
function wsStartPeer(ws) {
  const p = ws._peer;
  if (p && p._go && !p._started) { p._started = true; N.wsStart(p._go, p); }
}

// wsRecv hands an event to ws, the end that receives it.
function wsRecv(ws, ev) {
  if (!ws) return;
  if (ws._go) { wsToGo(ws, ev); return; }
  ws._queue.push(ev);
  wsSchedule(ws);
}

function wsToGo(ws, ev) {
  if (ev.t === "message") N.wsSend(ws._go, typeof ev.data === "string" ? ev.data : new Uint8Array(ev.data));
  else if (ev.t === "close") N.wsClose(ws._go, ev.code, ev.reason);
  else N.wsClose(ws._go, 1011, "");
}

function wsSchedule(ws) {
  if (ws._draining || !ws._accepted || ws._queue.length === 0 || ws._state === WS_CONNECTING) return;
  ws._draining = true;
  queueMicrotask(() => { ws._draining = false; wsDrain(ws); });
}

function wsDrain(ws) {
  while (ws._queue.length > 0 && ws._accepted && !ws._taken && !ws._go) {
    const ev = ws._queue.shift();
    if (ev.t === "message") wsEmit(ws, "message", ev.data);
    else if (ev.t === "close") {
      ws._gotClose = true;
      // Reply to a close as browsers do (workerd's web_socket_auto_reply_to_close).
      const reply = !ws._sentClose;
      ws._state = WS_CLOSED;
      wsEmit(ws, "close", ev);
      if (reply && !ws._sentClose) {
        ws._sentClose = true;
        const c = sendableCode(ev.code) ? ev.code : 1000;
        wsRecv(ws._peer, { t: "close", code: c, reason: ev.reason, clean: true });
      }
    } else {
      ws._state = WS_CLOSED; ws._gotClose = true; ws._sentClose = true;
      wsEmit(ws, "error", ev);
      wsEmit(ws, "close", { code: 1006, reason: "", clean: false });
    }
  }
}

function wsEmit(ws, type, x) {
  const h = ws._hib;
  if (h !== null) {
    try {
      if (type === "message") h.message(ws, x);
      else if (type === "close") h.close(ws, x.code, x.reason, x.clean);
      else h.error(ws, new Error(x.msg));
    } catch (e) { reportError(e); }
    return;
  }
  if (type === "message") ws.dispatchEvent(new MessageEvent("message", { data: x }));
  else if (type === "close") ws.dispatchEvent(new CloseEvent("close", { code: x.code, reason: x.reason, wasClean: x.clean }));
  else { const e = new Error(x.msg); ws.dispatchEvent(new ErrorEvent("error", { error: e, message: e.message })); }
}

// wsEvent is Go reporting what it read on the wire played by ws (an end
// with _go): a message, the peer's close, or a failure.
function wsEvent(ws, kind, data, code, reason) {
  if (kind === "message") { wsRecv(ws._peer, { t: "message", data: typeof data === "string" ? data : exactBuffer(data) }); return; }
  const peer = ws._peer;
  ws._peer = null;
  if (kind === "close") wsRecv(peer, { t: "close", code, reason, clean: true });
  else wsRecv(peer, { t: "error", msg: data });
}

// wsBind is Go taking ws (returned in a 101 Response) over as endpoint id
// (0: the upgrade failed). What ws received before goes to the wire now.
function wsBind(ws, id, why) {
  if (id === 0) { wsEvent(ws, "error", "WebSocket upgrade failed: " + why); return; }
  ws._go = id; ws._started = true;
  const q = ws._queue;
  ws._queue = [];
  for (const ev of q) wsToGo(ws, ev);
}

// wsTake marks ws as returned in a Response and tells Go how to serve it:
// splice its Go peer's endpoint straight to the client (a fetched WebSocket
// passed through untouched), or 0 to take ws itself over.
function wsTake(ws) {
  if (!(ws instanceof WebSocket)) throw new TypeError("Response webSocket must be a WebSocket");
  if (ws._taken || ws._go) throw new TypeError("This WebSocket was already returned in a Response");
  if (ws._accepted) throw new TypeError("Can't return a WebSocket in a Response after calling accept() on it");
  ws._taken = true;
  const p = ws._peer;
  if (p && p._go && !p._started && ws._queue.length === 0) {
    p._started = true; p._peer = null; ws._peer = null;
    return p._go;
  }
  return 0;
}

// fetchedSocket is the webSocket of a fetch() that Go upgraded (endpoint id).
function fetchedSocket(id) {
  const a = newSocket(), b = newSocket();
  a._peer = b; b._peer = a; b._go = id;
  return a;
}
