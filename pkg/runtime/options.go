package runtime

import (
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// Options configure a Pool.
type Options struct {
	Script    []byte // the bundled worker: one classic script (esbuild IIFE, GlobalName "__valet_worker")
	SourceMap []byte // its source map (v3 JSON); stack frames of errors are reported in the original files
	Filename  string // the script's path, e.g. ".valet/dist/worker.js"; sources in the map resolve against it

	Env map[string]Binding // the env object: vars, secrets, service bindings, Durable Object namespaces

	Isolates   int           // number of isolates; default runtime.NumCPU()
	CPUTimeout time.Duration // a job running longer is interrupted; default 30s
	Dev        bool          // 500 bodies carry the error message and the source-mapped stack
	Outbound   http.RoundTripper
	Logs       *events.Emitter // console.* as events.Log with Source "worker" and Step the level

	// Setup, when set, runs on every isolate after the globals exist and
	// before the worker is evaluated (pkg/durable adds its modules here).
	Setup func(iso *Isolate) error
}

const (
	defaultCPUTimeout = 30 * time.Second
	errTimeLimit      = "worker exceeded its time limit"
)

func (o *Options) withDefaults() Options {
	c := *o
	if c.Isolates <= 0 {
		c.Isolates = runtime.NumCPU()
	}
	if c.CPUTimeout <= 0 {
		c.CPUTimeout = defaultCPUTimeout
	}
	if c.Filename == "" {
		c.Filename = "worker.js"
	}
	if c.Outbound == nil {
		c.Outbound = DefaultTransport()
	}
	return c
}

// DefaultTransport is the outbound transport fetch() uses when Options.Outbound
// is nil: bounded connect and header waits, but no limit on streamed bodies.
func DefaultTransport() http.RoundTripper {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// EsbuildSupported lists the syntax goja lacks, for esbuild's Supported
// option beside Target es2020: async generators and for-await are lowered,
// and import(x) becomes require(x), which the runtime answers from
// __valet_modules (hono/logger does import("cloudflare:workers")).
func EsbuildSupported() map[string]bool {
	return map[string]bool{"async-generator": false, "for-await": false, "dynamic-import": false}
}
