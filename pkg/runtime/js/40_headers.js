// Headers: names are lower-cased; values of a repeated name are combined with
// ", " except set-cookie, which keeps each value (getSetCookie). Iteration is
// sorted by name, as the Fetch standard says. Incoming request headers arrive
// from Go lazily (_gid) and are only copied into JS when first read.

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function normName(name) {
  name = String(name);
  if (!HEADER_NAME.test(name)) throw new TypeError(`Invalid header name: "${name}"`);
  return name.toLowerCase();
}

function normValue(v) {
  v = String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (/[\0\r\n]/.test(v)) throw new TypeError(`Invalid header value: "${v}"`);
  return v;
}

class Headers {
  constructor(init) {
    this._m = new Map(); this._cookies = null; this._imm = false; this._gid = 0;
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      init._load();
      for (const [k, v] of init._m) this._m.set(k, v);
      if (init._cookies) this._cookies = init._cookies.slice();
      return;
    }
    if (!isObj(init)) throw new TypeError("Headers: init must be an object, an array of pairs or a Headers");
    if (typeof init[Symbol.iterator] === "function") {
      for (const pair of init) {
        const p = typeof pair === "string" ? null : Array.from(pair);
        if (!p || p.length !== 2) throw new TypeError("Headers: each header pair must be [name, value]");
        this._append(p[0], p[1]);
      }
    } else {
      for (const k of Object.keys(init)) this._append(k, init[k]);
    }
  }
  _load() {
    if (this._gid !== 0) {
      const flat = N.headersOf(this._gid);
      this._gid = 0;
      for (let i = 0; i < flat.length; i += 2) this._rawAppend(flat[i], flat[i + 1]);
    }
  }
  _rawAppend(n, v) {
    if (n === "set-cookie") { (this._cookies || (this._cookies = [])).push(v); return; }
    const old = this._m.get(n);
    this._m.set(n, old === undefined ? v : old + ", " + v);
  }
  _append(name, value) { this._rawAppend(normName(name), normValue(value)); }
  _check() { if (this._imm) throw new TypeError("Can't modify immutable headers."); }
  append(name, value) { this._check(); this._load(); this._append(name, value); }
  delete(name) {
    this._check(); this._load();
    const n = normName(name);
    if (n === "set-cookie") this._cookies = null; else this._m.delete(n);
  }
  get(name) {
    this._load();
    const n = normName(name);
    if (n === "set-cookie") return this._cookies ? this._cookies.join(", ") : null;
    const v = this._m.get(n);
    return v === undefined ? null : v;
  }
  getSetCookie() { this._load(); return this._cookies ? this._cookies.slice() : []; }
  getAll(name) {
    // Cloudflare's extension, for set-cookie only.
    if (normName(name) !== "set-cookie") throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
    return this.getSetCookie();
  }
  has(name) {
    this._load();
    const n = normName(name);
    return n === "set-cookie" ? this._cookies !== null && this._cookies.length > 0 : this._m.has(n);
  }
  set(name, value) {
    this._check(); this._load();
    const n = normName(name), v = normValue(value);
    if (n === "set-cookie") this._cookies = [v]; else this._m.set(n, v);
  }
  _sorted() {
    this._load();
    const names = Array.from(this._m.keys());
    if (this._cookies && this._cookies.length) names.push("set-cookie");
    names.sort();
    const out = [];
    for (const n of names) {
      if (n === "set-cookie") for (const c of this._cookies) out.push([n, c]);
      else out.push([n, this._m.get(n)]);
    }
    return out;
  }
  // _flat lists every header as [name, value, ...] for Go.
  _flat() {
    this._load();
    const out = [];
    for (const [k, v] of this._m) out.push(k, v);
    if (this._cookies) for (const c of this._cookies) out.push("set-cookie", c);
    return out;
  }
  forEach(cb, thisArg) { for (const [k, v] of this._sorted()) cb.call(thisArg, v, k, this); }
  *entries() { yield* this._sorted(); }
  *keys() { for (const [k] of this._sorted()) yield k; }
  *values() { for (const [, v] of this._sorted()) yield v; }
  [Symbol.iterator]() { return this.entries(); }
}
define("Headers", Headers);

function lazyHeaders(gid) {
  const h = new Headers();
  h._gid = gid; h._imm = true;
  return h;
}
