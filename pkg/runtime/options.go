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

	// NodeCompat makes Buffer, process and global globals, as the
	// nodejs_compat compatibility flag does in workerd.
	NodeCompat bool

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

// EsbuildSupported lists what goja does and does not support beside esbuild's
// Target es2020. Lacking: async generators and for-await (lowered), and
// import(x), which becomes require(x) answered from __valet_modules
// (hono/logger does import("cloudflare:workers")). Supported although newer
// than es2020: class fields, private members, static blocks and logical
// assignment. Left to esbuild's es2020 lowering, private fields become
// WeakMap lookups, which cost goja a weak pointer per access: Hono's
// Context and HonoRequest use them on every request (7x slower).
func EsbuildSupported() map[string]bool {
	return map[string]bool{
		"async-generator": false, "for-await": false, "dynamic-import": false,
		"class-field": true, "class-static-field": true,
		"class-private-field": true, "class-private-method": true, "class-private-accessor": true,
		"class-private-static-field": true, "class-private-static-method": true, "class-private-static-accessor": true,
		"class-private-brand-check": true, "class-static-blocks": true,
		"logical-assignment": true, "nullish-coalescing": true, "optional-chain": true,
	}
}
