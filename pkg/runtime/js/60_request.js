// Request and Response. Headers are materialised lazily: a Response built from
// a string creates no Headers object unless the worker reads .headers.

const METHODS = { delete: "DELETE", get: "GET", head: "HEAD", options: "OPTIONS", post: "POST", put: "PUT" };
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function normMethod(m) {
  m = String(m);
  if (!TOKEN.test(m)) throw new TypeError(`Invalid HTTP method: "${m}"`);
  const up = METHODS[m.toLowerCase()];
  if (up) return up;
  if (/^(connect|trace|track)$/i.test(m)) throw new TypeError(`Forbidden HTTP method: "${m}"`);
  return m;
}

function parseAbsolute(url, what) {
  const r = N.urlParse(String(url));
  if (r === null) throw new TypeError(`${what}: invalid URL "${url}" (a full URL like https://example.com/path is needed)`);
  return r[0];
}

class Request {
  constructor(input, init) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    init = init === undefined || init === null ? {} : init;
    let src = null;
    if (input instanceof Request) {
      src = input;
      this._url = src._url; this._method = src._method; this._redirect = src._redirect;
      this._signal = src._gid !== 0 ? src.signal : src._signal; this._cf = src._cf;
      this._h = undefined; this._hinit = src.headers;
      this._b = null;
    } else {
      this._url = parseAbsolute(input instanceof URL ? input.href : input, "Request");
      this._method = "GET"; this._redirect = "follow"; this._signal = null; this._cf = undefined;
      this._h = undefined; this._hinit = undefined; this._b = null;
    }
    this._used = false; this._gid = 0; this._ct = null;
    if (init.method !== undefined) this._method = normMethod(init.method);
    if (init.redirect !== undefined) {
      const r = String(init.redirect);
      if (r !== "follow" && r !== "manual" && r !== "error") throw new TypeError(`Request: redirect must be "follow", "manual" or "error", not "${r}"`);
      this._redirect = r;
    }
    if (init.signal !== undefined) this._signal = init.signal;
    if (init.cf !== undefined) this._cf = init.cf;
    if (init.headers !== undefined) this._hinit = init.headers;
    const hasBody = init.body !== undefined && init.body !== null;
    if (hasBody) {
      if (this._method === "GET" || this._method === "HEAD") throw new TypeError("Request with GET/HEAD method cannot have body.");
      const [b, ct] = extractBody(init.body);
      this._b = b; this._ct = ct;
    } else if (src !== null && init.body === undefined) {
      // A new Request from an old one takes over its body.
      if (src.bodyUsed) throw new TypeError("Cannot construct a Request with a Request object that has already been used.");
      this._b = src._b;
      if (src._b !== null) { src._b = null; src._used = true; }
    }
  }
  get method() { return this._method; }
  get url() { return this._url; }
  get headers() {
    if (this._h === undefined) {
      if (this._gid !== 0) { this._h = lazyHeaders(this._gid); return this._h; }
      const h = new Headers(this._hinit);
      if (this._ct != null && !h.has("content-type")) h.set("content-type", this._ct);
      this._h = h;
    }
    return this._h;
  }
  get redirect() { return this._redirect; }
  get signal() {
    if (this._signal) return this._signal;
    const c = new AbortController();
    // An incoming request's signal aborts when the client goes away.
    if (this._gid !== 0) N.watchAbort(this._gid, c);
    return (this._signal = c.signal);
  }
  get cf() { return this._cf; }
  get credentials() { return "same-origin"; }
  get mode() { return "cors"; }
  get cache() { return "default"; }
  get integrity() { return ""; }
  get keepalive() { return false; }
  get destination() { return ""; }
  get referrer() { return "about:client"; }
  get referrerPolicy() { return ""; }
  get duplex() { return "half"; }
  get fetcher() { return null; }
  clone() {
    const r = Object.create(Request.prototype);
    r._url = this._url; r._method = this._method; r._redirect = this._redirect; r._signal = this._signal;
    r._cf = this._cf; r._h = undefined; r._hinit = this.headers; r._gid = 0; r._ct = null; r._used = false;
    r._b = this._cloneBody();
    return r;
  }
}
define("Request", Request);

// Defaults live on the prototypes so that instances only carry what differs.
Object.assign(Request.prototype, { _h: undefined, _hinit: undefined, _used: false, _signal: null, _ct: null, _gid: 0, _cf: undefined, _redirect: "follow" });

// incomingRequest builds the Request for an HTTP request that Go received.
// DEV_CF stands in for the cf object Cloudflare attaches to incoming requests:
// miniflare's fallback (what `wrangler dev` gives without fetching
// Cloudflare's), so that code reading request.cf.country or .colo behaves
// locally as under wrangler dev. It is shared, hence frozen.
const DEV_CF = Object.freeze({
  asOrganization: "Cloudflare", asn: 395747, colo: "DFW", city: "Austin", region: "Texas", regionCode: "TX",
  metroCode: "635", postalCode: "78701", country: "US", continent: "NA",
  timezone: "America/Chicago", latitude: "30.27130", longitude: "-97.74260", clientTcpRtt: 0,
  httpProtocol: "HTTP/1.1", requestPriority: "weight=192;exclusive=0", tlsCipher: "AEAD-AES128-GCM-SHA256",
  tlsVersion: "TLSv1.3", edgeRequestKeepAliveStatus: 1, clientAcceptEncoding: "gzip, deflate, br",
  tlsClientAuth: Object.freeze({ certPresented: "0", certVerified: "NONE", certRevoked: "0", certIssuerDN: "", certSubjectDN: "",
    certIssuerDNRFC2253: "", certSubjectDNRFC2253: "", certIssuerDNLegacy: "", certSubjectDNLegacy: "", certSerial: "",
    certIssuerSerial: "", certSKI: "", certIssuerSKI: "", certFingerprintSHA1: "", certFingerprintSHA256: "", certNotBefore: "", certNotAfter: "" }),
  tlsClientRandom: "", tlsClientHelloLength: "", tlsClientExtensionsSha1: "",
  botManagement: Object.freeze({ corporateProxy: false, verifiedBot: false, jsDetection: Object.freeze({ passed: false }),
    staticResource: false, detectionIds: Object.freeze({}), score: 99 }),
});

function incomingRequest(method, url, gid, hasBody) {
  const r = Object.create(Request.prototype);
  r._method = method; r._url = url; r._gid = gid; r._b = hasBody ? gid : null; r._redirect = "manual"; r._cf = DEV_CF;
  return r;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const STATUS_TEXT = N.statusTexts();

// A Response keeps few own properties (goja pays per property): _status,
// _b (body source), _ct (default content-type), and only when set _hinit,
// _h, _statusText, _x (type, url, redirected, webSocket) and _gid.
const RESP_X = Object.freeze({ type: "default", url: "", redirected: false, ws: null });

class Response {
  constructor(body = null, init) {
    let status = 200;
    if (init !== undefined && init !== null) {
      if (init.status !== undefined) {
        status = Number(init.status);
        if (!Number.isInteger(status) || status < 200 || status > 599) {
          if (!(status === 101 && init.webSocket)) throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive (got ${init.status}).`);
        }
      }
      if (init.statusText !== undefined) this._statusText = String(init.statusText);
      if (init.headers !== undefined) this._hinit = init.headers;
      if (init.webSocket) this._x = { type: "default", url: "", redirected: false, ws: init.webSocket };
    }
    this._status = status;
    if (body !== null && body !== undefined) {
      if (NULL_BODY.has(status)) throw new TypeError(`Response with null body status (${status}) cannot have body`);
      if (typeof body === "string") { this._b = body; this._ct = "text/plain;charset=UTF-8"; return; }
      const [b, ct] = extractBody(body);
      this._b = b; this._ct = ct;
    } else { this._b = null; this._ct = null; }
  }
  static json(data, init) {
    const s = JSON.stringify(data);
    if (s === undefined) throw new TypeError("Response.json: data is not JSON serialisable");
    const r = new Response(s, init);
    r._ct = "application/json";
    return r;
  }
  static redirect(url, status = 302) {
    const href = parseAbsolute(url instanceof URL ? url.href : url, "Response.redirect");
    if (!REDIRECT.has(status)) throw new RangeError(`Invalid status code ${status} for a redirect: use 301, 302, 303, 307 or 308`);
    const r = new Response(null, { status, headers: { location: href } });
    return r;
  }
  static error() {
    const r = new Response(null, { status: 200 });
    r._status = 0; r._x = { type: "error", url: "", redirected: false, ws: null };
    r.headers._imm = true;
    return r;
  }
  get status() { return this._status; }
  get ok() { return this._status >= 200 && this._status <= 299; }
  get statusText() { return this._statusText === undefined ? "" : this._statusText; }
  get type() { return (this._x || RESP_X).type; }
  get url() { return (this._x || RESP_X).url; }
  get redirected() { return (this._x || RESP_X).redirected; }
  get webSocket() { return (this._x || RESP_X).ws; }
  get cf() { return undefined; }
  get headers() {
    if (this._h === undefined) {
      if (this._gid) { this._h = lazyHeaders(this._gid); return this._h; }
      const h = new Headers(this._hinit);
      if (this._ct != null && !h.has("content-type")) h.set("content-type", this._ct);
      this._h = h;
    }
    return this._h;
  }
  clone() {
    if (this.webSocket) throw new TypeError("Cannot clone a WebSocket response");
    const r = Object.create(Response.prototype);
    r._status = this._status; r._statusText = this._statusText; r._x = this._x; r._ct = null;
    r._h = new Headers(this.headers); r._h._imm = this.headers._imm;
    r._b = this._cloneBody();
    return r;
  }
}
define("Response", Response);

// headerList returns the headers as [name, value, ...] for Go, without
// building a Headers object when the worker never asked for one.
// The list is one string, "name\0value\0name\0value", which Go splits:
// cheaper than exporting an array.
function headerList(r) {
  if (r._h === undefined && !r._gid && (r._hinit === undefined || r._hinit === null)) {
    return r._ct == null ? null : "content-type\0" + r._ct;
  }
  const flat = r.headers._flat();
  return flat.length === 0 ? null : flat.join("\0");
}

Object.assign(Response.prototype, { _h: undefined, _hinit: undefined, _statusText: undefined, _x: undefined, _gid: 0, _used: false });

// Body's methods are mixed in rather than inherited: a derived-class
// constructor (super()) costs goja a second call per Request and Response.
for (const C of [Request, Response]) {
  for (const k of Object.getOwnPropertyNames(Body.prototype)) {
    if (k !== "constructor") Object.defineProperty(C.prototype, k, Object.getOwnPropertyDescriptor(Body.prototype, k));
  }
}
