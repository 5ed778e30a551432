package runtime

import (
	goruntime "runtime"
	"testing"
)

func TestWeakMapSemantics(t *testing.T) {
	w := startWorker(t, `
export default {
  fetch() {
    const m = new WeakMap(), s = new WeakSet();
    const a = {}, proto = {}, child = Object.create(proto), frozen = Object.freeze({});
    const out: unknown[] = [];
    m.set(a, 1).set(proto, 2).set(frozen, 3);
    out.push(m.get(a), m.has(child), m.get(child), m.get(frozen), m.has(frozen));
    m.set(a, 4); out.push(m.get(a));
    out.push(m.delete(a), m.has(a), m.delete(a), m.delete(frozen), m.has(frozen));
    out.push(Object.keys(a).length, JSON.stringify(a), Object.prototype.toString.call(m));
    s.add(a); out.push(s.has(a), s.has({}), s.delete(a), s.has(a));
    try { m.set(1 as any, 1); } catch (e) { out.push((e as Error).name); }
    out.push(m.get(1 as any), new WeakMap([[a, 5]]).get(a), m instanceof WeakMap);
    return Response.json(out);
  },
};`, nil)
	_, body := w.get(t, "/")
	want := `[1,false,null,3,true,4,true,false,false,true,false,0,"{}","[object WeakMap]",true,false,true,false,"TypeError",null,5,true]`
	if body != want {
		t.Fatalf("got  %s\nwant %s", body, want)
	}
}

// A WeakMap value that references its key (what esbuild's lowering of
// #private fields makes) must not keep the pair alive: goja's own WeakMap did,
// and a Hono app leaked every request's Context.
func TestWeakMapDoesNotLeak(t *testing.T) {
	w := startWorker(t, `
const priv = new WeakMap<object, unknown>();
class Ctx { constructor() { priv.set(this, { self: this, pad: new Uint8Array(1024) }); } }
export default { fetch() { new Ctx(); return new Response("ok"); } };`, nil)
	heap := func() uint64 {
		goruntime.GC()
		goruntime.GC()
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	for range 200 {
		w.get(t, "/")
	}
	before := heap()
	for range 3000 {
		w.get(t, "/")
	}
	if after := heap(); after > before+2<<20 {
		t.Fatalf("heap grew from %d to %d KiB over 3000 requests", before>>10, after>>10)
	}
}
