package cmd

import (
	"os"
	"runtime/debug"
)

// serverGC tunes the garbage collector for the processes that serve an
// app (valet dev, the edge on a host): they allocate a little per request
// and keep a small live heap, so collecting when the heap has grown 4x
// rather than 2x takes a few percent of CPU off every request (measured on
// a trivial worker route under wrk). A soft memory limit brings the
// collector back sooner should the heap grow large. GOGC and GOMEMLIMIT,
// when set, win.
func serverGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}
}
