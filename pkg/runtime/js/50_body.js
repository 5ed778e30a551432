// Blob, File, FormData and the Body mixin shared by Request and Response.
// A body source (_b) is null, a string, a Uint8Array, a ReadableStream, or a
// number: the id of a Go io.Reader (incoming request body, fetch response
// body) that is streamed on demand and never copied into JS unless read.

class Blob {
  constructor(parts = [], options = {}) {
    const chunks = [];
    for (const p of parts) {
      if (p instanceof Blob) chunks.push(p._u8);
      else if (typeof p === "string") chunks.push(N.utf8Encode(p));
      else { const u = toU8(p); chunks.push(u ? u.slice() : N.utf8Encode(String(p))); }
    }
    this._u8 = chunks.length === 0 ? new Uint8Array(0) : concatU8(chunks);
    const t = options.type === undefined ? "" : String(options.type);
    this._type = /[^\x20-\x7e]/.test(t) ? "" : t.toLowerCase();
  }
  get size() { return this._u8.length; }
  get type() { return this._type; }
  slice(start = 0, end = this._u8.length, type = "") {
    const b = new Blob([], { type });
    b._u8 = this._u8.slice(start, end);
    return b;
  }
  text() { return Promise.resolve(N.utf8Decode(this._u8, false, true)); }
  arrayBuffer() { return Promise.resolve(exactBuffer(this._u8.slice())); }
  bytes() { return Promise.resolve(this._u8.slice()); }
  stream() { return bytesStream(this._u8); }
}
define("Blob", Blob);

class File extends Blob {
  constructor(parts, name, options = {}) {
    if (arguments.length < 2) throw new TypeError("Failed to construct 'File': 2 arguments required.");
    super(parts, options);
    this._name = String(name);
    this._lastModified = options.lastModified === undefined ? Date.now() : Number(options.lastModified);
  }
  get name() { return this._name; }
  get lastModified() { return this._lastModified; }
}
define("File", File);

function formValue(value, filename) {
  if (value instanceof Blob) {
    if (value instanceof File && filename === undefined) return value;
    return new File([value], filename === undefined ? "blob" : String(filename), { type: value.type });
  }
  return String(value);
}

class FormData {
  constructor(form) {
    if (form !== undefined) throw new TypeError("FormData: constructing from a form element is not supported");
    this._l = [];
  }
  append(name, value, filename) { this._l.push([String(name), formValue(value, filename)]); }
  delete(name) { name = String(name); this._l = this._l.filter((e) => e[0] !== name); }
  get(name) { name = String(name); const e = this._l.find((x) => x[0] === name); return e ? e[1] : null; }
  getAll(name) { name = String(name); return this._l.filter((x) => x[0] === name).map((x) => x[1]); }
  has(name) { name = String(name); return this._l.some((x) => x[0] === name); }
  set(name, value, filename) {
    name = String(name);
    const v = formValue(value, filename);
    const i = this._l.findIndex((x) => x[0] === name);
    if (i < 0) { this._l.push([name, v]); return; }
    this._l[i] = [name, v];
    this._l = this._l.filter((x, j) => j <= i || x[0] !== name);
  }
  forEach(cb, thisArg) { for (const [k, v] of this._l) cb.call(thisArg, v, k, this); }
  *entries() { for (const e of this._l) yield [e[0], e[1]]; }
  *keys() { for (const e of this._l) yield e[0]; }
  *values() { for (const e of this._l) yield e[1]; }
  [Symbol.iterator]() { return this.entries(); }
  _encode() {
    const boundary = "----valetformdata" + N.randomHex(12);
    const parts = [];
    const esc = (s) => s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
    for (const [k, v] of this._l) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"`;
      if (v instanceof File) {
        head += `; filename="${esc(v.name)}"\r\nContent-Type: ${v.type || "application/octet-stream"}\r\n\r\n`;
        parts.push(N.utf8Encode(head), v._u8, N.utf8Encode("\r\n"));
      } else {
        parts.push(N.utf8Encode(head + "\r\n\r\n" + v.replace(/\r?\n|\r/g, "\r\n") + "\r\n"));
      }
    }
    parts.push(N.utf8Encode(`--${boundary}--\r\n`));
    return [concatU8(parts), "multipart/form-data; boundary=" + boundary];
  }
}
define("FormData", FormData);

function bytesStream(u8) {
  return new ReadableStream({
    pull(c) { if (u8.length) c.enqueue(u8.slice()); c.close(); },
  }, { highWaterMark: 0 });
}

function goStream(gid) {
  return new ReadableStream({
    pull(c) {
      return new Promise((resolve) => {
        N.bodyRead(gid, (err, chunk) => {
          if (err !== null) c.error(new TypeError(err));
          else if (chunk === null) c.close();
          else c.enqueue(chunk);
          resolve();
        });
      });
    },
    cancel() { N.bodyClose(gid); },
  }, { highWaterMark: 0 });
}

// extractBody returns [source, default content-type] for a BodyInit.
function extractBody(v) {
  if (v === undefined || v === null) return [null, null];
  if (typeof v === "string") return [v, "text/plain;charset=UTF-8"];
  if (v instanceof ReadableStream) {
    if (v.locked || v._disturbed) throw new TypeError("This ReadableStream is disturbed or locked and cannot be used as a body.");
    return [v, null];
  }
  if (v instanceof URLSearchParams) return [v.toString(), "application/x-www-form-urlencoded;charset=UTF-8"];
  if (v instanceof Blob) return [v._u8, v.type || null];
  if (v instanceof FormData) return v._encode();
  const u = toU8(v);
  if (u) return [u.slice(), null];
  return [String(v), "text/plain;charset=UTF-8"];
}

const USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";

class Body {
  get body() {
    const b = this._b;
    if (b === null) return null;
    if (b instanceof ReadableStream) return b;
    const s = typeof b === "number" ? goStream(b) : bytesStream(typeof b === "string" ? N.utf8Encode(b) : b);
    if (this._used) s._disturbed = true;
    this._b = s;
    return s;
  }
  get bodyUsed() { return this._used || (this._b instanceof ReadableStream && this._b._disturbed); }
  // _consume resolves to the whole body as a string or a Uint8Array.
  _consume() {
    if (this.bodyUsed) return Promise.reject(new TypeError(USED));
    const b = this._b;
    this._used = true;
    if (b === null) return Promise.resolve("");
    if (typeof b === "string" || b instanceof Uint8Array) return Promise.resolve(b);
    if (typeof b === "number") {
      return new Promise((resolve, reject) => N.bodyReadAll(b, (err, u8) => (err !== null ? reject(new TypeError(err)) : resolve(u8))));
    }
    if (b.locked) return Promise.reject(new TypeError("ReadableStream is locked"));
    return readAllBytes(b);
  }
  text() { return this._consume().then((b) => (typeof b === "string" ? b : N.utf8Decode(b, false, true))); }
  json() { return this.text().then((s) => JSON.parse(s)); }
  arrayBuffer() { return this._consume().then((b) => (typeof b === "string" ? N.utf8Encode(b).buffer : exactBuffer(b))); }
  bytes() { return this._consume().then((b) => (typeof b === "string" ? N.utf8Encode(b) : b)); }
  blob() {
    return this._consume().then((b) => {
      const blob = new Blob([], { type: this.headers.get("content-type") || "" });
      blob._u8 = typeof b === "string" ? N.utf8Encode(b) : b;
      return blob;
    });
  }
  formData() {
    const ct = this.headers.get("content-type") || "";
    return this._consume().then((b) => {
      const u8 = typeof b === "string" ? N.utf8Encode(b) : b;
      const fd = new FormData();
      if (/^multipart\/form-data/i.test(ct)) {
        const flat = N.parseMultipart(u8, ct);
        for (let i = 0; i < flat.length; i += 4) {
          if (flat[i + 2] === null) fd.append(flat[i], N.utf8Decode(flat[i + 1], false, false));
          else fd.append(flat[i], new File([flat[i + 1]], flat[i + 2], { type: flat[i + 3] }));
        }
      } else if (/^application\/x-www-form-urlencoded/i.test(ct)) {
        const l = N.uspParse(N.utf8Decode(u8, false, true));
        for (let i = 0; i < l.length; i += 2) fd.append(l[i], l[i + 1]);
      } else {
        throw new TypeError(`Unrecognized Content-Type header value "${ct}": FormData can only parse multipart/form-data or application/x-www-form-urlencoded.`);
      }
      return fd;
    });
  }
  // _cloneBody splits the source so that both bodies can be read.
  _cloneBody() {
    if (this.bodyUsed) throw new TypeError("Cannot clone a body that has already been used.");
    const b = this._b;
    if (b === null || typeof b === "string" || b instanceof Uint8Array) return b;
    const [s1, s2] = this.body.tee();
    this._b = s1;
    return s2;
  }
}
