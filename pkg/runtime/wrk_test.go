package runtime

import (
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// BenchmarkWrkTrivialRoute serves the trivial worker on 127.0.0.1 and loads
// it with wrk (32 connections, as DESIGN.md's table). A benchmark, not a
// test: it runs only when asked (go test -run '^$' -bench WrkTrivialRoute).
func BenchmarkWrkTrivialRoute(b *testing.B) {
	for range b.N {
		wrkTrivialRoute(b)
	}
}

func wrkTrivialRoute(t testing.TB) {
	testenv.LookPath(t, "wrk")
	script, sm := bundleWorker(t, "", map[string]string{"w.ts": trivialWorker}, "w.ts")
	p, err := New(Options{Script: script, SourceMap: sm})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go srv.Serve(ln)
	defer srv.Close()
	out, err := exec.Command("wrk", "-t2", "-c32", "-d5s", "http://"+ln.Addr().String()+"/api/hello").CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	t.Logf("\n%s", out)
	if m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindSubmatch(out); m != nil {
		t.Logf("worker route: %s req/s (wrangler: ~1,800 req/s; target 18,000)", m[1])
	}
}
