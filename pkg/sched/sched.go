// Package sched tells the scheduler that valet's own threads may wait for
// the worker runtime's. valet dev and the edge on a host put a Go proxy in
// front of workerd, which runs all of its requests on one thread: when the
// cores are busy, every wake-up of a Go thread (a socket ready, the
// runtime's sysmon, a timer) used to preempt that thread, so the proxy cost
// the runtime more than its own CPU. Marked as batch work, the Go threads
// still get their full share of the CPU but no longer preempt the runtime
// on wake-up. Measured on 2 cores under wrk, a trivial worker route went
// from about 15k to 16-18k req/s (91-100 to 82-98 µs of CPU a request);
// static assets and React SSR were unchanged.
package sched
