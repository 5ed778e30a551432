// URL and URLSearchParams. Parsing and setters are the WHATWG algorithms in Go
// (github.com/nlnwa/whatwg-url); a URL keeps its parsed record in _r:
// [href, protocol, username, password, host, hostname, port, pathname, search, hash, origin].

const URL_FIELDS = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];

class URL {
  constructor(url, base) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
    const r = base === undefined ? N.urlParse(String(url)) : N.urlParse(String(url), String(base));
    if (r === null) throw new TypeError(`Invalid URL string: ${url}` + (base === undefined ? "" : ` (base ${base})`));
    this._r = r; this._sp = null;
  }
  static canParse(url, base) {
    return (base === undefined ? N.urlParse(String(url)) : N.urlParse(String(url), String(base))) !== null;
  }
  static parse(url, base) {
    try { return new URL(url, base); } catch (_) { return null; }
  }
  get origin() { return this._r[10]; }
  get searchParams() {
    if (this._sp === null) { this._sp = new URLSearchParams(this._r[8]); this._sp._url = this; }
    return this._sp;
  }
  toString() { return this._r[0]; }
  toJSON() { return this._r[0]; }
  _set(i, v) {
    this._r = N.urlSet(this._r[0], i, String(v));
    if (i === 0 || i === 8) this._syncParams();
  }
  _syncParams() { if (this._sp !== null) this._sp._list = N.uspParse(this._r[8].slice(1)); }
}
URL_FIELDS.forEach((name, i) => {
  Object.defineProperty(URL.prototype, name, {
    get() { return this._r[i]; },
    set(v) {
      if (i === 0) {
        const r = N.urlParse(String(v));
        if (r === null) throw new TypeError(`Invalid URL string: ${v}`);
        this._r = r; this._syncParams();
        return;
      }
      this._set(i, v);
    },
    enumerable: true, configurable: true,
  });
});
define("URL", URL);

// URLSearchParams keeps a flat list [name, value, name, value, ...].
class URLSearchParams {
  constructor(init = "") {
    this._url = null;
    if (init instanceof URLSearchParams) { this._list = init._list.slice(); return; }
    if (isObj(init)) {
      this._list = [];
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError("URLSearchParams: each pair must have exactly two items");
          this._list.push(String(p[0]), String(p[1]));
        }
      } else {
        for (const k of Object.keys(init)) this._list.push(k, String(init[k]));
      }
      return;
    }
    let s = String(init);
    if (s.charCodeAt(0) === 63) s = s.slice(1);
    this._list = N.uspParse(s);
  }
  _update() {
    if (this._url === null) return;
    const s = N.uspSerialize(this._list);
    this._url._r = N.urlSet(this._url._r[0], 8, s);
  }
  get size() { return this._list.length / 2; }
  append(name, value) { this._list.push(String(name), String(value)); this._update(); }
  delete(name, value) {
    name = String(name);
    const l = this._list, out = [];
    for (let i = 0; i < l.length; i += 2) {
      if (l[i] === name && (value === undefined || l[i + 1] === String(value))) continue;
      out.push(l[i], l[i + 1]);
    }
    this._list = out; this._update();
  }
  get(name) {
    name = String(name);
    const l = this._list;
    for (let i = 0; i < l.length; i += 2) if (l[i] === name) return l[i + 1];
    return null;
  }
  getAll(name) {
    name = String(name);
    const l = this._list, out = [];
    for (let i = 0; i < l.length; i += 2) if (l[i] === name) out.push(l[i + 1]);
    return out;
  }
  has(name, value) {
    name = String(name);
    const l = this._list;
    for (let i = 0; i < l.length; i += 2) if (l[i] === name && (value === undefined || l[i + 1] === String(value))) return true;
    return false;
  }
  set(name, value) {
    name = String(name); value = String(value);
    const l = this._list, out = [];
    let found = false;
    for (let i = 0; i < l.length; i += 2) {
      if (l[i] === name) { if (!found) { out.push(name, value); found = true; } continue; }
      out.push(l[i], l[i + 1]);
    }
    if (!found) out.push(name, value);
    this._list = out; this._update();
  }
  sort() {
    const pairs = [];
    for (let i = 0; i < this._list.length; i += 2) pairs.push([this._list[i], this._list[i + 1], i]);
    // Stable sort by UTF-16 code units, as the standard says.
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[2] - b[2]));
    this._list = pairs.flatMap((p) => [p[0], p[1]]);
    this._update();
  }
  forEach(cb, thisArg) {
    for (let i = 0; i < this._list.length; i += 2) cb.call(thisArg, this._list[i + 1], this._list[i], this);
  }
  *entries() { for (let i = 0; i < this._list.length; i += 2) yield [this._list[i], this._list[i + 1]]; }
  *keys() { for (let i = 0; i < this._list.length; i += 2) yield this._list[i]; }
  *values() { for (let i = 0; i < this._list.length; i += 2) yield this._list[i + 1]; }
  [Symbol.iterator]() { return this.entries(); }
  toString() { return N.uspSerialize(this._list); }
}
define("URLSearchParams", URLSearchParams);
