//go:build unix

package workerd_test

import (
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// discard is a ResponseWriter that keeps only the status, as cheap as a
// ResponseWriter gets, so the benchmark shows the proxy's own cost.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.code = code }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) Flush()                      {}

// BenchmarkProxy sends requests shaped like wrk's through Proxy to a real
// workerd running a trivial worker (bench/edge.sh's trivial route): the time
// is mostly workerd's; cpu-ns/op (this process's CPU time, user and system,
// per request: the proxy's own cost, and steadier than ns/op on a busy
// machine), allocs/op and a CPU profile (-cpuprofile) are the proxy's.
func BenchmarkProxy(b *testing.B) {
	_, px := startApp(b, `export default { fetch() { return Response.json({ hello: "world" }) } };`, nil, nil)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8787/api/hello", nil)
		req.RequestURI = "/api/hello"
		w := &discard{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			w.code = 0
			px.ServeHTTP(w, req)
			if w.code != http.StatusOK {
				b.Fatalf("status %d", w.code)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
