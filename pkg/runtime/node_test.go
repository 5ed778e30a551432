package runtime

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestNodeModulesCachesScheduler(t *testing.T) {
	w := startWorker(t, `
import { EventEmitter, once } from "node:events";
import { promisify, inspect, format } from "node:util";
import process from "node:process";

export default {
  async fetch(req: Request, env: { NAME: string }) {
    const out: unknown[] = [];
    const e = new EventEmitter();
    e.on("x", (a: number) => out.push("on " + a));
    e.once("x", (a: number) => out.push("once " + a));
    out.push(e.emit("x", 1), e.emit("x", 2), e.listenerCount("x"), e.emit("nothing"));
    setTimeout(() => e.emit("later", 7), 1);
    out.push((await once(e, "later"))[0]);
    const sleep = promisify((ms: number, cb: (err: null, v: string) => void) => setTimeout(() => cb(null, "slept"), ms));
    out.push(await sleep(1));
    out.push(inspect({ a: [1, "b"] }), format("%s=%d", "n", 3));
    out.push(process.env.NAME, typeof process.nextTick);
    out.push(await caches.default.match(req), await caches.default.put(req, new Response("x")) ?? "put", await (await caches.open("c")).delete(req));
    const t0 = Date.now();
    await scheduler.wait(20);
    out.push(Date.now() - t0 >= 15);
    return Response.json(out);
  },
};`, func(o *Options) { o.Env = map[string]Binding{"NAME": Var("valet")} })
	_, body := w.get(t, "/")
	want := `["on 1","once 1","on 2",true,true,1,false,7,"slept","{ a: [ 1, \"b\" ] }","n=3","valet","function",null,"put",false,true]`
	if body != want {
		t.Fatalf("got  %s\nwant %s", body, want)
	}
}

func TestRequestSignalAbortsWhenClientLeaves(t *testing.T) {
	w := startWorker(t, `
let aborted = "no";
export default {
  async fetch(req: Request) {
    if (new URL(req.url).pathname === "/state") return new Response(aborted);
    req.signal.addEventListener("abort", () => { aborted = (req.signal.reason as Error).name; });
    await new Promise((r) => setTimeout(r, 2000));
    return new Response("late");
  },
};`, func(o *Options) { o.Isolates = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", w.srv.URL+"/slow", nil)
	if resp, err := w.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the slow request answered before the client left")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, body := w.get(t, "/state")
		if body == "AbortError" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request.signal not aborted after the client left: %q", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNodePathCryptoAndGlobals(t *testing.T) {
	w := startWorker(t, `
import path from "node:path";
import { createHash, createHmac, randomBytes } from "node:crypto";

export default {
  async fetch() {
    return Response.json([
      path.join("/a", "b", "../c"), path.resolve("/x", "y", "..", "z"), path.normalize("a//b/./c/.."),
      path.dirname("/a/b/c.txt"), path.basename("/a/b/c.txt", ".txt"), path.extname("x.tar.gz"),
      path.relative("/a/b/c", "/a/d"), path.isAbsolute("a"), path.parse("/home/u/f.txt").name,
      createHash("sha256").update("abc").digest("hex"),
      createHash("md5").update("a").update("bc").digest("base64"),
      createHmac("sha256", "key").update("The quick brown fox jumps over the lazy dog").digest("hex"),
      randomBytes(8).length,
      typeof Buffer, typeof process, process.env.NAME,
    ]);
  },
};`, func(o *Options) { o.Env = map[string]Binding{"NAME": Var("valet")}; o.NodeCompat = true })
	_, body := w.get(t, "/")
	want := `["/a/c","/x/z","a/b","/a/b","c",".gz","../../d",false,"f",` +
		`"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","kAFQmDzST7DWlj99KOF/cg==",` +
		`"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",8,"function","object","valet"]`
	if body != want {
		t.Fatalf("got  %s\nwant %s", body, want)
	}
}
