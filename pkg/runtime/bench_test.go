package runtime

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

const trivialWorker = `
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") return Response.json({ hello: "world" });
    return new Response("not found", { status: 404 });
  },
};`

// BenchmarkTrivialRoute measures the worker path alone (no network):
// Request in, JS handler, Response out.
func BenchmarkTrivialRoute(b *testing.B) {
	script, sm := bundleWorker(b, "", map[string]string{"w.ts": trivialWorker}, "w.ts")
	p, err := New(Options{Script: script, SourceMap: sm})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "http://localhost/api/hello", nil)
		for pb.Next() {
			w := httptest.NewRecorder()
			p.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

// BenchmarkTrivialRouteHTTP adds a real HTTP server and client on 127.0.0.1.
func BenchmarkTrivialRouteHTTP(b *testing.B) {
	script, sm := bundleWorker(b, "", map[string]string{"w.ts": trivialWorker}, "w.ts")
	p, err := New(Options{Script: script, SourceMap: sm})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	srv := httptest.NewServer(p)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(srv.URL + "/api/hello")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkHonoRoute serves bench/edge.sh's worker (a plain route and a Hono
// route) in-process: the runtime plus a real router from npm.
func BenchmarkHonoRoute(b *testing.B) {
	src, err := os.ReadFile("../../testdata/bench/edge/src/index.ts")
	if err != nil {
		b.Fatal(err)
	}
	dir := installNpm(b, "hono@4")
	script, sm := bundleWorker(b, dir, map[string]string{"src/index.ts": string(src)}, "src/index.ts")
	p, err := New(Options{Script: script, SourceMap: sm, Env: map[string]Binding{"GREETING": Var("hello")}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "http://localhost/api/hono/bob", nil)
		for pb.Next() {
			w := httptest.NewRecorder()
			p.ServeHTTP(w, req)
			if w.Code != 200 || w.Body.String() != `{"hello":"bob"}` {
				b.Fatalf("status %d %q", w.Code, w.Body.String())
			}
		}
	})
}
