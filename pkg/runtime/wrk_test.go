package runtime

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestWrkTrivialRoute serves the trivial worker on 127.0.0.1 and loads it
// with wrk (32 connections, as DESIGN.md's table). Opt in: VALET_WRK=1.
func TestWrkTrivialRoute(t *testing.T) {
	if os.Getenv("VALET_WRK") == "" {
		t.Skip("set VALET_WRK=1 to run the wrk benchmark")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk not installed")
	}
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
