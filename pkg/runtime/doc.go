// Package runtime runs Workers-style JavaScript (export default { fetch })
// in goja isolates: no Node, no workerd.
//
// # The bundle contract
//
// Options.Script is one classic script, as pkg/bundle writes it: esbuild
// Format IIFE, GlobalName "__valet_worker", Target es2020 with the
// Supported overrides of EsbuildSupported (goja lacks async generators,
// for-await and import()). After evaluation globalThis.__valet_worker is the
// module namespace: .default is the handler (an object with fetch, or a class
// extending WorkerEntrypoint); named exports are Durable Object classes.
// Built-in modules are read from globalThis.__valet_modules[specifier], which
// the runtime installs before evaluating the script: "cloudflare:workers"
// (DurableObject, WorkerEntrypoint, WorkflowEntrypoint, RpcTarget, env),
// "node:buffer" (Buffer), "node:async_hooks" (AsyncLocalStorage,
// AsyncResource), "node:events", "node:util" and "node:process". Options.Setup may add more (m := vm.Get("__valet_modules")).
// A global require(name) serves the same map to lowered import(name).
// Options.SourceMap (v3) maps stack frames to the original files; its sources
// are reported as written in the map (relative to the bundle's root).
//
// # Isolates and the event loop
//
// A Pool holds Options.Isolates isolates. Each is one goja.Runtime owned by
// one goroutine running an event loop: a job queue fed from any goroutine,
// timers in a heap (equal deadlines fire in creation order), and goja's
// promise jobs drained after every job. Go I/O (fetch, bodies, Isolate.Go)
// runs on its own goroutines and completes back onto the loop, so while one
// request awaits I/O the isolate serves others, as workerd does. Globals
// (js/*.js, the Web APIs over Go natives) are installed once per isolate.
// A watchdog interrupts any job running longer than Options.CPUTimeout: that
// request gets a 500 "worker exceeded its time limit" and the isolate stays
// usable. ServeHTTP dispatches to the isolate with the fewest requests.
//
// # Extension points (pkg/durable)
//
// Work on an isolate goes through Do (async) or Run (waits). Inside it:
//
//   - Export(name) is an exported class; vm.New(class, ctx, iso.Env())
//     creates an instance that stays pinned to that isolate.
//   - Serve(w, r, call) turns a Go request into a JS Request, calls call
//     (e.g. instance.fetch) and streams the returned Response, or promise of
//     one, to w. Serving one object's events one at a time (input gates) is
//     the caller's queue: Serve returns when the response is written.
//   - Go(work) / GoValue(work) return promises settled on the loop with the
//     result of blocking Go work (SQLite storage, container control).
//   - Await(v, cb) calls cb with a value or a promise's outcome (*JSError).
//   - Serialize/Deserialize structured-clone values between isolates (RPC
//     arguments and results) through a string.
//   - SerializeRPC/DeserializeRPC move RPC values as a Message (below);
//     NewStub(base, inv) makes a stub whose calls go to an Invoker; Reply
//     runs a call on the loop and waits for its serialised outcome; Invoke
//     runs an arrived call on a target (the platform's missing-method error).
//   - NewFetcher(rt) makes a JS Fetcher whose fetch() goes to rt;
//     HandlerTransport(h) makes rt from an http.Handler (in-process, streamed).
//
// # Workers RPC
//
// js/88_rpc.js extends the structured clone for RPC: functions and
// RpcTarget instances (and stubs being passed on) go by reference, as an
// export of the sending isolate; the receiver gets a stub whose calls run
// back there (through Go, a goroutine per call) and return promises.
// Request, Response, Headers and ReadableStream go by value, a body as a
// stream reference read chunk by chunk. Errors are rethrown with their name
// and message. A stub reads a property when awaited (await stub.prop),
// calls it when called, and a call's promise pipelines (stub.a().b()).
// Stubs have dup() and [Symbol.dispose](); references sent as arguments are
// released when the call settles unless the callee dup()ed them.
// ctx.exports (worker and Durable Object ctx) holds a stub per exported
// WorkerEntrypoint class (a new instance per call, on the same isolate) and
// whatever Pool.SetExports resolves for other exports (pkg/durable: the
// namespaces of Durable Object classes).
//
// # WebSockets
//
// WebSocketPair, WebSocket (accept, send, close, events, new WebSocket(url))
// and Response status 101 follow workerd (js/65_websocket.js). Go takes
// over the client end of a returned 101 Response: ServeHTTP (or Serve)
// does the RFC 6455 handshake on the hijacked connection
// (github.com/coder/websocket) and pumps messages to and from the JS end on
// the loop; the call returns when the socket is closed, so an upgraded
// request stays in flight (Durable Objects with open sockets are not
// evicted). fetch() with Upgrade: websocket dials through the same transport
// as any fetch (Outbound, a binding's or HandlerTransport, which supports
// Hijack in-process) and the Response's webSocket is connected to the
// remote; returned untouched, it is spliced to the client in Go without JS.
// pkg/durable's hibernation API calls ws._hibernate({message, close, error})
// to receive a socket's events instead of dispatching them.
//
// # Incoming requests and other events
//
// An incoming request's cf is miniflare's fallback object (colo "DFW",
// country "US", ...), as under wrangler dev; new Request(req) keeps it.
// ctx.props is {}. Pool.Scheduled runs the scheduled(controller, env, ctx)
// handler (default export object, WorkerEntrypoint method, or
// addEventListener("scheduled")) and waits for its ctx.waitUntil work;
// pkg/devserver serves it at /__scheduled with --test-scheduled.
//
// A Binding puts a value into env for every isolate: Var, Secret,
// FetcherBinding, or a BindingFunc for anything else (namespaces).
//
// # Events
//
// console.* become events.Log with Source "worker", Step the level (log,
// info, warn, error, debug) and Message the formatted line; uncaught errors
// are logged at level error with their source-mapped stack.
package runtime
