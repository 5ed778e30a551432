package runtime

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

func TestWaitUntilAfterResponse(t *testing.T) {
	w := startWorker(t, `
export default {
  fetch(req: Request, env: unknown, ctx: ExecutionContext) {
    ctx.waitUntil(new Promise((r) => setTimeout(() => { console.log("late work done"); r(undefined) }, 150)));
    return new Response("early");
  },
};`, nil)
	start := time.Now()
	_, body := w.get(t, "/")
	if body != "early" || time.Since(start) > 120*time.Millisecond {
		t.Fatalf("response %q after %v: must not wait for waitUntil", body, time.Since(start))
	}
	w.srv.Close()
	if err := w.pool.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(w.logLines(), "\n"); !strings.Contains(got, "log: late work done") {
		t.Fatalf("Close returned before waitUntil settled; logs: %q", got)
	}
}

func TestCPUTimeoutKeepsIsolateUsable(t *testing.T) {
	w := startWorker(t, `
export default {
  fetch(req: Request) {
    if (new URL(req.url).pathname === "/spin") { for (;;) {} }
    return new Response("fine");
  },
};`, func(o *Options) { o.CPUTimeout = 100 * time.Millisecond; o.Isolates = 1 })
	resp, body := w.get(t, "/spin")
	if resp.StatusCode != 500 || !strings.Contains(body, "worker exceeded its time limit") {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	for range 3 {
		if resp, body := w.get(t, "/"); resp.StatusCode != 200 || body != "fine" {
			t.Fatalf("isolate unusable after interrupt: %d %q", resp.StatusCode, body)
		}
	}
}

func TestUncaughtErrorIsSourceMapped(t *testing.T) {
	src := `interface Thing { name: string }

function explode(t: Thing): never {
  throw new Error("boom: " + t.name);
}

export default {
  async fetch(req: Request): Promise<Response> {
    await null;
    return explode({ name: "x" });
  },
};`
	w := startWorker(t, src, nil)
	resp, body := w.get(t, "/")
	if resp.StatusCode != 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(body, "Error: boom: x") || !strings.Contains(body, "at explode (worker/index.ts:4:9)") {
		t.Fatalf("want message and a frame in worker/index.ts:4:9, got:\n%s", body)
	}
	var logged bool
	for _, l := range w.logLines() {
		logged = logged || strings.Contains(l, "worker/index.ts:4")
	}
	if !logged {
		t.Errorf("the error was not logged: %q", w.logLines())
	}

	prod := startWorker(t, src, func(o *Options) { o.Dev = false })
	if _, body := prod.get(t, "/"); strings.Contains(body, "boom") {
		t.Errorf("without Dev the stack must not leak: %q", body)
	}
}

func TestNonResponseAndRejection(t *testing.T) {
	w := startWorker(t, `
export default {
  async fetch(req: Request) {
    const p = new URL(req.url).pathname;
    if (p === "/reject") return Promise.reject(new TypeError("nope"));
    if (p === "/sync-throw") throw new RangeError("sync");
    return "not a response" as any;
  },
};`, nil)
	for path, want := range map[string]string{"/reject": "TypeError: nope", "/sync-throw": "RangeError: sync", "/other": "did not resolve to 'Response'"} {
		resp, body := w.get(t, path)
		if resp.StatusCode != 500 || !strings.Contains(body, want) {
			t.Errorf("%s: got %d %q, want 500 containing %q", path, resp.StatusCode, body, want)
		}
	}
}

func TestRequestBodyAndEcho(t *testing.T) {
	w := startWorker(t, `
export default {
  async fetch(req: Request) {
    const p = new URL(req.url).pathname;
    if (p === "/json") { const j: any = await req.json(); return Response.json({ got: j.n + 1, ct: req.headers.get("content-type") }); }
    if (p === "/stream") return new Response(req.body, { headers: { "x-len": req.headers.get("content-length") ?? "" } });
    return new Response(await req.text());
  },
};`, nil)
	if _, body := w.do(t, "POST", "/json", `{"n":41}`, map[string]string{"Content-Type": "application/json"}); body != `{"got":42,"ct":"application/json"}` {
		t.Errorf("json: %q", body)
	}
	big := strings.Repeat("0123456789", 100_000)
	resp, body := w.do(t, "POST", "/stream", big, nil)
	if body != big || resp.Header.Get("X-Len") != "1000000" {
		t.Errorf("stream echo: %d bytes, x-len %q", len(body), resp.Header.Get("X-Len"))
	}
	if _, body := w.do(t, "PUT", "/text", "héllo", nil); body != "héllo" {
		t.Errorf("text: %q", body)
	}
}

func TestStreamingResponseIsNotBuffered(t *testing.T) {
	w := startWorker(t, `
export default {
  fetch() {
    const enc = new TextEncoder();
    let i = 0;
    const body = new ReadableStream({
      async pull(c) {
        if (i === 3) { c.close(); return; }
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        c.enqueue(enc.encode("chunk" + i++ + "\n"));
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  },
};`, nil)
	start := time.Now()
	resp, err := http.Get(w.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "chunk0\n" {
		t.Fatalf("first line %q %v", line, err)
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Fatalf("first chunk after %v: the body was buffered", d)
	}
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "chunk1\nchunk2\n" {
		t.Fatalf("rest %q", rest)
	}
}

func TestFetchOutbound(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/final":
			io.WriteString(w, "final")
		case "/slow":
			time.Sleep(300 * time.Millisecond)
			io.WriteString(w, "slow")
		default:
			b, _ := io.ReadAll(r.Body)
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			w.Header().Set("X-Method", r.Method)
			w.WriteHeader(201)
			fmt.Fprintf(w, "%s %s %s", r.Header.Get("X-Token"), b, r.URL.RawQuery)
		}
	}))
	defer upstream.Close()
	w := startWorker(t, `
export default {
  async fetch(req: Request, env: { UP: string }) {
    const p = new URL(req.url).pathname;
    if (p === "/post") {
      const r = await fetch(env.UP + "/echo?q=1", { method: "POST", body: "payload", headers: { "x-token": "t" } });
      return new Response([r.status, r.statusText, r.ok, r.headers.getSetCookie().join(";"), r.headers.get("x-method"), await r.text()].join("|"));
    }
    if (p === "/follow") { const r = await fetch(env.UP + "/redirect"); return new Response(r.redirected + " " + r.url.endsWith("/final") + " " + await r.text()); }
    if (p === "/manual") { const r = await fetch(env.UP + "/redirect", { redirect: "manual" }); return new Response(r.status + " " + r.headers.get("location")); }
    if (p === "/abort") {
      try { await fetch(env.UP + "/slow", { signal: AbortSignal.timeout(50) }); return new Response("no"); }
      catch (e: any) { return new Response(e.name); }
    }
    if (p === "/proxy") return fetch(env.UP + "/final");
    if (p === "/bad") { try { await fetch("http://127.0.0.1:1/"); return new Response("no"); } catch (e: any) { return new Response(e.constructor.name); } }
    return new Response("?");
  },
};`, func(o *Options) { o.Env = map[string]Binding{"UP": Var(upstream.URL)} })
	cases := map[string]string{
		"/post":   "201|Created|true|a=1;b=2|POST|t payload q=1",
		"/follow": "true true final",
		"/manual": "302 /final",
		"/abort":  "TimeoutError",
		"/proxy":  "final",
		"/bad":    "TypeError",
	}
	for path, want := range cases {
		if _, body := w.get(t, path); body != want {
			t.Errorf("%s: got %q want %q", path, body, want)
		}
	}
}

func TestFetcherBindingAssets(t *testing.T) {
	assets := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<asset %s %s>", r.Method, r.URL.Path)
	})
	w := startWorker(t, `
export default {
  async fetch(req: Request, env: { ASSETS: Fetcher }) {
    const u = new URL(req.url);
    if (u.pathname.startsWith("/api")) return new Response("api");
    if (u.pathname === "/rewrite") return env.ASSETS.fetch(new URL("/index.html", req.url));
    if (u.pathname === "/relative") { const r = await env.ASSETS.fetch("/x.css"); return new Response(await r.text()); }
    return env.ASSETS.fetch(req);
  },
};`, func(o *Options) { o.Env = map[string]Binding{"ASSETS": FetcherBinding(assets)} })
	for path, want := range map[string]string{"/api/x": "api", "/a/b.js": "<asset GET /a/b.js>", "/rewrite": "<asset GET /index.html>", "/relative": "<asset GET /x.css>"} {
		resp, body := w.get(t, path)
		if body != want {
			t.Errorf("%s: got %q want %q", path, body, want)
		}
		if path != "/api/x" && path != "/relative" && resp.Header.Get("Content-Type") != "text/html" {
			t.Errorf("%s: content-type %q", path, resp.Header.Get("Content-Type"))
		}
	}
}

// While one request awaits I/O, the same isolate serves others.
func TestIsolateInterleavesRequests(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "slow")
	}))
	defer slow.Close()
	w := startWorker(t, `
let counter = 0;
export default {
  async fetch(req: Request, env: { SLOW: string }) {
    const n = ++counter;
    if (new URL(req.url).pathname === "/slow") { const r = await fetch(env.SLOW); return new Response((await r.text()) + n); }
    return new Response("fast" + n);
  },
};`, func(o *Options) { o.Isolates = 1; o.Env = map[string]Binding{"SLOW": Var(slow.URL)} })
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.get(t, "/slow") }()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	for range 5 {
		if _, body := w.get(t, "/fast"); !strings.HasPrefix(body, "fast") {
			t.Fatalf("got %q", body)
		}
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("fast requests took %v: they waited for the slow one", d)
	}
	wg.Wait()
}

func TestWorkerEntrypointAndConsole(t *testing.T) {
	w := startWorker(t, `
import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint<{ NAME: string }> {
  async fetch(req: Request) {
    console.log("hello", { a: 1 }, [1, "x"]);
    console.error(new Error("bad thing"));
    console.warn("%s is %d", "n", 42);
    return new Response("entry " + this.env.NAME);
  }
}`, func(o *Options) { o.Env = map[string]Binding{"NAME": Secret("s3cret")} })
	if _, body := w.get(t, "/"); body != "entry s3cret" {
		t.Fatalf("got %q", body)
	}
	logs := strings.Join(w.logLines(), "\n")
	for _, want := range []string{`log: hello { a: 1 } [ 1, "x" ]`, "error: Error: bad thing", "at fetch (worker/index.ts:6:19)", "warn: n is 42"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	for _, e := range w.logs.Events() {
		if e.Kind == events.Log && e.Source != "worker" {
			t.Errorf("source %q", e.Source)
		}
	}
}

func TestServiceWorkerSyntax(t *testing.T) {
	w := startWorker(t, `
addEventListener("fetch", (event: any) => {
  event.respondWith(new Response("sw " + event.request.method));
});`, nil)
	if _, body := w.get(t, "/"); body != "sw GET" {
		t.Fatalf("got %q", body)
	}
}

func TestMissingModuleAndBadScript(t *testing.T) {
	script, _ := bundleWorker(t, "", map[string]string{"w.ts": `
import { thing } from "node:fs";
export default { fetch() { return new Response(String(thing)); } };`}, "w.ts")
	if _, err := New(Options{Script: script}); err == nil || !strings.Contains(err.Error(), `valet does not provide module "node:fs"`) {
		t.Fatalf("want the missing module named, got %v", err)
	}
	if _, err := New(Options{Script: []byte("export default {")}); err == nil || !strings.Contains(err.Error(), "parse worker") {
		t.Fatalf("want a parse error, got %v", err)
	}
	if _, err := New(Options{Script: []byte("throw new Error('at load')")}); err == nil || !strings.Contains(err.Error(), "at load") {
		t.Fatalf("want the evaluation error, got %v", err)
	}
}
