// WeakMap and WeakSet that do not leak. goja's own keep an entry alive as
// long as its value references its key (Go has weak pointers, not
// ephemerons), and esbuild lowers every #private field of a class to such a
// WeakMap whose values often reference the instance: a Hono app leaked its
// Context on every request. Here an entry lives on its key, under a symbol
// of the map's own, non-enumerable, so it dies with the key. Keys that
// cannot take a property (frozen, sealed, host objects) go to goja's map.
{
  const NativeWeakMap = G.WeakMap, NativeWeakSet = G.WeakSet;
  const hasOwn = Object.prototype.hasOwnProperty;
  const defineProp = Object.defineProperty;
  const badKey = (v) => new TypeError("Invalid value used as weak map key: " + (v === null ? "null" : typeof v));

  class WeakMap {
    constructor(entries) {
      defineProp(this, "_k", { value: Symbol("WeakMap") });
      defineProp(this, "_n", { value: null, writable: true });
      if (entries !== undefined && entries !== null) for (const [k, v] of entries) this.set(k, v);
    }
    get(k) {
      if (!isObj(k)) return undefined;
      if (hasOwn.call(k, this._k)) return k[this._k];
      return this._n === null ? undefined : this._n.get(k);
    }
    has(k) {
      if (!isObj(k)) return false;
      return hasOwn.call(k, this._k) || (this._n !== null && this._n.has(k));
    }
    set(k, v) {
      if (!isObj(k)) throw badKey(k);
      const s = this._k;
      if (hasOwn.call(k, s)) {
        defineProp(k, s, { value: v });
        return this;
      }
      if (this._n === null || !this._n.has(k)) {
        try {
          defineProp(k, s, { value: v, writable: true, configurable: true, enumerable: false });
          return this;
        } catch (_) {
          // not extensible: kept in goja's map below
        }
      }
      (this._n || (this._n = new NativeWeakMap())).set(k, v);
      return this;
    }
    delete(k) {
      if (!isObj(k)) return false;
      if (hasOwn.call(k, this._k)) return delete k[this._k];
      return this._n !== null && this._n.delete(k);
    }
  }
  defineProp(WeakMap.prototype, Symbol.toStringTag, { value: "WeakMap", configurable: true });

  class WeakSet {
    constructor(values) {
      defineProp(this, "_m", { value: new WeakMap() });
      if (values !== undefined && values !== null) for (const v of values) this.add(v);
    }
    add(v) {
      if (!isObj(v)) throw new TypeError("Invalid value used in weak set: " + (v === null ? "null" : typeof v));
      this._m.set(v, true);
      return this;
    }
    has(v) { return this._m.has(v); }
    delete(v) { return this._m.delete(v); }
  }
  defineProp(WeakSet.prototype, Symbol.toStringTag, { value: "WeakSet", configurable: true });

  if (typeof NativeWeakMap === "function") define("WeakMap", WeakMap);
  if (typeof NativeWeakSet === "function") define("WeakSet", WeakSet);
}
