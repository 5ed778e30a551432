// Package sched tells the scheduler that valet's own threads may wait for
// the worker runtime's. valet dev and the edge on a host put a Go proxy in
// front of workerd, which runs all of its requests on one thread: when the
// cores are busy, every wake-up of a Go thread (a socket ready, the
// runtime's sysmon, a timer) used to preempt that thread, so the proxy cost
// the runtime more than its own CPU. Marked as batch work, the Go threads
// still get their full share of the CPU but no longer preempt the runtime
// on wake-up. Measured on 2 cores under wrk, a trivial worker route went
// from 14.4-15.6k to 17.8k req/s (94-100 to 85-87 µs of CPU a request);
// static assets and React SSR were unchanged.
package sched
