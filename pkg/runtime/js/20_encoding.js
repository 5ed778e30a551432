// TextEncoder, TextDecoder (utf-8; fatal, ignoreBOM, stream), atob/btoa and
// the matching transform streams. The byte work happens in Go.

class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") { return N.utf8Encode(String(input)); }
  encodeInto(src, dest) {
    const u = N.utf8Encode(String(src));
    // Only whole code points may be written: back off to a UTF-8 boundary.
    let n = Math.min(u.length, dest.length);
    if (n < u.length) while (n > 0 && (u[n] & 0xc0) === 0x80) n--;
    dest.set(n === u.length ? u : u.subarray(0, n));
    const read = N.utf16Length(u.subarray(0, n));
    return { read, written: n };
  }
}
define("TextEncoder", TextEncoder);

const UTF8_LABELS = new Set(["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"]);

class TextDecoder {
  constructor(label = "utf-8", options = {}) {
    const l = String(label).trim().toLowerCase();
    if (!UTF8_LABELS.has(l)) {
      if (l === "utf-16le" || l === "latin1" || l === "iso-8859-1" || l === "ascii" || l === "windows-1252" || l === "us-ascii") {
        this._enc = l === "utf-16le" ? "utf-16le" : "windows-1252";
      } else {
        throw new RangeError(`TextDecoder: the encoding label "${label}" is not supported`);
      }
    } else this._enc = "utf-8";
    this._fatal = !!options.fatal; this._ignoreBOM = !!options.ignoreBOM;
    this._pending = null; this._bomSeen = false;
  }
  get encoding() { return this._enc; }
  get fatal() { return this._fatal; }
  get ignoreBOM() { return this._ignoreBOM; }
  decode(input, options) {
    const stream = !!(options && options.stream);
    let u = input === undefined ? new Uint8Array(0) : toU8(input);
    if (!u) throw new TypeError("TextDecoder.decode: input must be an ArrayBuffer or a view");
    if (this._enc !== "utf-8") return N.decodeOther(this._enc, u);
    if (this._pending) { u = concatU8([this._pending, u]); this._pending = null; }
    if (stream) {
      // Keep an incomplete trailing sequence for the next call.
      let i = u.length, k = 0;
      while (i > 0 && k < 3 && (u[i - 1] & 0xc0) === 0x80) { i--; k++; }
      if (i > 0) {
        const b = u[i - 1];
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (need > k + 1) { this._pending = u.slice(i - 1); u = u.subarray(0, i - 1); }
      }
    }
    const stripBOM = !this._ignoreBOM && !this._bomSeen;
    const s = N.utf8Decode(u, this._fatal, stripBOM);
    if (u.length > 0) this._bomSeen = stream;
    if (!stream) this._bomSeen = false;
    return s;
  }
}
define("TextDecoder", TextDecoder);

define("atob", function atob(data) {
  if (arguments.length === 0) throw new TypeError("atob: 1 argument required");
  return N.atob(String(data));
});
define("btoa", function btoa(data) {
  if (arguments.length === 0) throw new TypeError("btoa: 1 argument required");
  return N.btoa(String(data));
});

class TextEncoderStream extends TransformStream {
  constructor() {
    super({ transform(chunk, c) { const u = N.utf8Encode(String(chunk)); if (u.length) c.enqueue(u); } });
  }
  get encoding() { return "utf-8"; }
}
define("TextEncoderStream", TextEncoderStream);

class TextDecoderStream extends TransformStream {
  constructor(label, options) {
    const d = new TextDecoder(label, options);
    super({
      transform(chunk, c) { const s = d.decode(chunk, { stream: true }); if (s) c.enqueue(s); },
      flush(c) { const s = d.decode(); if (s) c.enqueue(s); },
    });
    this._d = d;
  }
  get encoding() { return this._d.encoding; }
  get fatal() { return this._d.fatal; }
  get ignoreBOM() { return this._d.ignoreBOM; }
}
define("TextDecoderStream", TextDecoderStream);
