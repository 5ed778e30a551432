// ReadableStream, WritableStream, TransformStream: the parts of the WHATWG
// Streams standard that bodies and common libraries use. Byte streams are
// treated as default streams (no BYOB readers).

const RS_KEY = {};

class ReadableStreamDefaultController {
  constructor(key, stream, hwm, sizeFn) {
    if (key !== RS_KEY) throw new TypeError("Illegal constructor");
    this._s = stream; this._hwm = hwm; this._size = sizeFn;
    this._q = []; this._qsize = 0;
    this._closeRequested = false; this._pulling = false; this._pullAgain = false; this._started = false;
  }
  get desiredSize() {
    const st = this._s._state;
    if (st === "errored") return null;
    if (st === "closed") return 0;
    return this._hwm - this._qsize;
  }
  enqueue(chunk) {
    if (this._closeRequested || this._s._state !== "readable") throw new TypeError("Cannot enqueue a chunk into a closed or errored stream");
    const s = this._s;
    if (s._reader && s._reader._reqs.length > 0) {
      s._reader._reqs.shift().resolve({ value: chunk, done: false });
    } else {
      const n = this._size ? this._size(chunk) : 1;
      this._q.push([chunk, n]); this._qsize += n;
    }
    this._callPull();
  }
  close() {
    if (this._closeRequested || this._s._state !== "readable") throw new TypeError("Cannot close a closed or errored stream");
    this._closeRequested = true;
    if (this._q.length === 0) this._s._close();
  }
  error(e) { if (this._s._state === "readable") this._s._error(e); }
  _pullInto(req) {
    if (this._q.length > 0) {
      const [chunk, n] = this._q.shift(); this._qsize -= n;
      req.resolve({ value: chunk, done: false });
      if (this._closeRequested && this._q.length === 0) this._s._close();
      else this._callPull();
      return;
    }
    this._s._reader._reqs.push(req);
    this._callPull();
  }
  _shouldPull() {
    const s = this._s;
    if (!this._started || this._closeRequested || s._state !== "readable") return false;
    if (s._reader && s._reader._reqs.length > 0) return true;
    return this.desiredSize > 0;
  }
  _callPull() {
    if (!this._shouldPull()) return;
    if (this._pulling) { this._pullAgain = true; return; }
    if (!this._pull) return;
    this._pulling = true;
    let p;
    try { p = Promise.resolve(this._pull(this)); } catch (e) { this.error(e); return; }
    p.then(() => {
      this._pulling = false;
      if (this._pullAgain) { this._pullAgain = false; this._callPull(); }
    }, (e) => this.error(e));
  }
}

class ReadableStream {
  constructor(source = {}, strategy = {}) {
    this._state = "readable"; this._reader = null; this._storedError = undefined; this._disturbed = false;
    const hwm = strategy.highWaterMark !== undefined ? Number(strategy.highWaterMark) : (source.type === "bytes" ? 0 : 1);
    const c = new ReadableStreamDefaultController(RS_KEY, this, hwm, strategy.size);
    this._c = c;
    c._pull = source.pull ? (ctl) => source.pull.call(source, ctl) : null;
    c._cancel = source.cancel ? (r) => source.cancel.call(source, r) : null;
    let startResult;
    if (source.start) startResult = source.start.call(source, c);
    Promise.resolve(startResult).then(() => { c._started = true; c._callPull(); }, (e) => c.error(e));
  }
  get locked() { return this._reader !== null; }
  getReader(opts) {
    if (opts && opts.mode === "byob") throw new TypeError("valet: BYOB readers are not supported; use getReader()");
    return new ReadableStreamDefaultReader(this);
  }
  cancel(reason) {
    if (this.locked) return Promise.reject(new TypeError("Cannot cancel a locked stream"));
    return this._cancelInternal(reason);
  }
  _cancelInternal(reason) {
    this._disturbed = true;
    if (this._state === "closed") return Promise.resolve();
    if (this._state === "errored") return Promise.reject(this._storedError);
    this._c._q = []; this._c._qsize = 0;
    this._close();
    const fn = this._c._cancel;
    return Promise.resolve(fn ? fn(reason) : undefined).then(() => undefined);
  }
  _close() {
    if (this._state !== "readable") return;
    this._state = "closed";
    const r = this._reader;
    if (r) { for (const q of r._reqs) q.resolve({ value: undefined, done: true }); r._reqs = []; r._closedResolve(); }
  }
  _error(e) {
    if (this._state !== "readable") return;
    this._state = "errored"; this._storedError = e;
    const r = this._reader;
    if (r) { for (const q of r._reqs) q.reject(e); r._reqs = []; r._closedReject(e); }
  }
  tee() {
    const reader = this.getReader();
    let c1, c2, canceled1 = false, canceled2 = false, reading = false;
    const pull = () => {
      if (reading) return Promise.resolve();
      reading = true;
      return reader.read().then(({ value, done }) => {
        reading = false;
        if (done) { if (!canceled1) c1.close(); if (!canceled2) c2.close(); return; }
        if (!canceled1) c1.enqueue(value);
        if (!canceled2) c2.enqueue(value);
      }, (e) => { c1.error(e); c2.error(e); });
    };
    const cancelBoth = () => { if (canceled1 && canceled2) reader.cancel(); };
    const b1 = new ReadableStream({ start(c) { c1 = c; }, pull, cancel() { canceled1 = true; cancelBoth(); } });
    const b2 = new ReadableStream({ start(c) { c2 = c; }, pull, cancel() { canceled2 = true; cancelBoth(); } });
    return [b1, b2];
  }
  async pipeTo(dest, opts = {}) {
    const reader = this.getReader();
    const writer = dest.getWriter();
    const signal = opts.signal;
    try {
      for (;;) {
        if (signal && signal.aborted) throw signal.reason;
        const { value, done } = await reader.read();
        if (done) break;
        await writer.ready;
        await writer.write(value);
      }
      if (!opts.preventClose) await writer.close();
    } catch (e) {
      if (!opts.preventAbort) await writer.abort(e).catch(() => {});
      if (!opts.preventCancel) await reader.cancel(e).catch(() => {});
      throw e;
    } finally {
      reader.releaseLock();
      writer.releaseLock();
    }
  }
  pipeThrough(pair, opts) {
    this.pipeTo(pair.writable, opts).catch(() => {});
    return pair.readable;
  }
  values(opts) {
    const reader = this.getReader();
    const preventCancel = !!(opts && opts.preventCancel);
    return {
      next() { return reader.read(); },
      return(v) {
        if (!preventCancel) reader.cancel(v).catch(() => {});
        reader.releaseLock();
        return Promise.resolve({ value: v, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }
  [Symbol.asyncIterator](opts) { return this.values(opts); }
  static from(iterable) {
    if (iterable instanceof ReadableStream) return iterable;
    const it = iterable[Symbol.asyncIterator] ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    return new ReadableStream({
      async pull(c) {
        const { value, done } = await it.next();
        if (done) c.close(); else c.enqueue(value);
      },
      async cancel(r) { if (it.return) await it.return(r); },
    }, { highWaterMark: 0 });
  }
}
define("ReadableStream", ReadableStream);
define("ReadableStreamDefaultController", ReadableStreamDefaultController);

class ReadableStreamDefaultReader {
  constructor(stream) {
    if (!(stream instanceof ReadableStream)) throw new TypeError("ReadableStreamDefaultReader needs a ReadableStream");
    if (stream.locked) throw new TypeError("ReadableStream is locked");
    this._s = stream; this._reqs = [];
    stream._reader = this;
    this._closed = new Promise((res, rej) => { this._closedResolve = res; this._closedReject = rej; });
    this._closed.catch(() => {});
    if (stream._state === "closed") this._closedResolve();
    if (stream._state === "errored") this._closedReject(stream._storedError);
  }
  get closed() { return this._closed; }
  read() {
    const s = this._s;
    if (!s) return Promise.reject(new TypeError("Reader has been released"));
    s._disturbed = true;
    if (s._state === "closed") return Promise.resolve({ value: undefined, done: true });
    if (s._state === "errored") return Promise.reject(s._storedError);
    return new Promise((resolve, reject) => s._c._pullInto({ resolve, reject }));
  }
  cancel(reason) {
    if (!this._s) return Promise.reject(new TypeError("Reader has been released"));
    return this._s._cancelInternal(reason);
  }
  releaseLock() {
    const s = this._s;
    if (!s) return;
    for (const q of this._reqs) q.reject(new TypeError("Reader was released"));
    this._reqs = [];
    s._reader = null; this._s = null;
  }
}
define("ReadableStreamDefaultReader", ReadableStreamDefaultReader);

class WritableStream {
  constructor(sink = {}, strategy = {}) {
    this._sink = sink; this._state = "writable"; this._writer = null; this._storedError = undefined;
    this._chain = Promise.resolve();
    const ctl = { error: (e) => { this._state = "errored"; this._storedError = e; }, signal: new AbortController().signal };
    this._ctl = ctl;
    if (sink.start) this._chain = Promise.resolve(sink.start.call(sink, ctl));
  }
  get locked() { return this._writer !== null; }
  getWriter() {
    if (this._writer) throw new TypeError("WritableStream is locked");
    return (this._writer = new WritableStreamDefaultWriter(this));
  }
  _enqueue(fn) {
    const p = this._chain.then(() => {
      if (this._state === "errored") throw this._storedError;
      return fn();
    });
    this._chain = p.catch((e) => { if (this._state !== "errored") { this._state = "errored"; this._storedError = e; } });
    return p;
  }
  _write(chunk) { return this._enqueue(() => (this._sink.write ? this._sink.write.call(this._sink, chunk, this._ctl) : undefined)); }
  _closeInternal() {
    if (this._state !== "writable") return Promise.reject(new TypeError("WritableStream is closed or errored"));
    this._state = "closing";
    return this._enqueue(() => (this._sink.close ? this._sink.close.call(this._sink) : undefined)).then(() => { this._state = "closed"; });
  }
  _abortInternal(reason) {
    this._state = "errored"; this._storedError = reason;
    return Promise.resolve(this._sink.abort ? this._sink.abort.call(this._sink, reason) : undefined);
  }
  close() { if (this.locked) return Promise.reject(new TypeError("WritableStream is locked")); return this._closeInternal(); }
  abort(reason) { if (this.locked) return Promise.reject(new TypeError("WritableStream is locked")); return this._abortInternal(reason); }
}
define("WritableStream", WritableStream);

class WritableStreamDefaultWriter {
  constructor(stream) {
    if (stream.locked) throw new TypeError("WritableStream is locked");
    this._s = stream; stream._writer = this;
  }
  get ready() { return Promise.resolve(); }
  get closed() { return this._s ? this._s._chain.then(() => undefined) : Promise.reject(new TypeError("released")); }
  get desiredSize() { return this._s && this._s._state === "writable" ? 1 : 0; }
  write(chunk) { return this._s._write(chunk); }
  close() { return this._s._closeInternal(); }
  abort(reason) { return this._s._abortInternal(reason); }
  releaseLock() { if (this._s) { this._s._writer = null; this._s = null; } }
}
define("WritableStreamDefaultWriter", WritableStreamDefaultWriter);

class TransformStream {
  constructor(transformer = {}, writableStrategy, readableStrategy) {
    let rc;
    this._readable = new ReadableStream({ start(c) { rc = c; } }, readableStrategy || { highWaterMark: 0 });
    const ctl = {
      enqueue: (chunk) => rc.enqueue(chunk),
      error: (e) => rc.error(e),
      terminate: () => { try { rc.close(); } catch (_) {} },
      get desiredSize() { return rc.desiredSize; },
    };
    const started = Promise.resolve(transformer.start ? transformer.start.call(transformer, ctl) : undefined);
    this._writable = new WritableStream({
      write(chunk) {
        return started.then(() => (transformer.transform ? transformer.transform.call(transformer, chunk, ctl) : ctl.enqueue(chunk)));
      },
      close() {
        return started.then(() => (transformer.flush ? transformer.flush.call(transformer, ctl) : undefined)).then(() => { try { rc.close(); } catch (_) {} });
      },
      abort(reason) { rc.error(reason); },
    }, writableStrategy);
  }
  get readable() { return this._readable; }
  get writable() { return this._writable; }
}
define("TransformStream", TransformStream);

class ByteLengthQueuingStrategy {
  constructor({ highWaterMark }) { this.highWaterMark = highWaterMark; }
  size(chunk) { return chunk.byteLength; }
}
class CountQueuingStrategy {
  constructor({ highWaterMark }) { this.highWaterMark = highWaterMark; }
  size() { return 1; }
}
define("ByteLengthQueuingStrategy", ByteLengthQueuingStrategy);
define("CountQueuingStrategy", CountQueuingStrategy);

// readAllBytes drains a stream of BufferSource/string chunks.
async function readAllBytes(stream) {
  const reader = stream.getReader();
  const chunks = []; let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const u = typeof value === "string" ? N.utf8Encode(value) : toU8(value);
    if (!u) throw new TypeError("Body stream chunks must be Uint8Array, ArrayBuffer or string");
    chunks.push(u); total += u.length;
  }
  reader.releaseLock();
  return chunks.length === 0 ? new Uint8Array(0) : concatU8(chunks, total);
}
