package cmd

import (
	"os"
	"runtime"
	"runtime/debug"

	"github.com/valet-dev/valet/pkg/sched"
)

// serverRuntime tunes Go's runtime for the processes that serve an app
// (valet dev, the edge on a host). GOGC, GOMEMLIMIT and GOMAXPROCS, when
// set, win.
//
// They allocate a little per request and keep a small live heap, so
// collecting when the heap has grown 4x rather than 2x takes a few percent
// of CPU off every request (measured on a trivial worker route under wrk);
// a soft memory limit brings the collector back sooner should the heap grow
// large.
//
// They run beside workerd, whose requests all run on one thread: that
// thread is what bounds a worker route. With a P for every core, the Go
// scheduler's idle Ps spin and wake threads on workerd's core; one P fewer
// than the cores leaves it one. On 2 cores under wrk this took a trivial
// worker route from 0.78x to 0.92-1.0x of raw workerd (and 95 to 79 us of
// CPU a request); static assets, served by Go alone, went from 55k to 47k
// req/s.
//
// Their threads are also marked as batch work (Linux), so that their
// wake-ups no longer preempt workerd's request thread: a trivial worker
// route went from about 15k to 16-18k req/s on 2 cores (pkg/sched).
func serverRuntime() {
	_ = sched.Yield() // best effort: a scheduler that refuses costs only speed
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}
	if os.Getenv("GOMAXPROCS") == "" {
		if n := runtime.GOMAXPROCS(0); n > 1 {
			runtime.GOMAXPROCS(n - 1)
		}
	}
}
