// Package edge is the HTTP server in front of an app: it routes each request
// to the static assets or to the worker the way Cloudflare does, reports one
// event per request, and swaps versions without dropping a request. The same
// code runs in `valet dev` and on a deployed host.
package edge

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/assets"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
)

// Route names in request events.
const (
	RouteAsset  = "asset"
	RouteWorker = "worker"
	RouteNone   = "none"
)

// Options is one version of the app as the edge serves it.
type Options struct {
	Assets         *assets.Server // nil when the app has no assets
	Worker         http.Handler   // nil when the app has no worker
	RunWorkerFirst config.RunWorkerFirst
	Events         *events.Emitter // one events.Request per request; may be nil
	// Dev adds an X-Valet-Route header (asset or worker) to each response,
	// to see at a glance who answered; never on a deployed host.
	Dev bool
}

// generation is one Options in service, with the count of requests it is
// still answering, so that a swap can wait for them.
type generation struct {
	opts     Options
	routes   Routes
	inflight atomic.Int64
	retired  atomic.Bool
	once     sync.Once
	drained  chan struct{}
}

func newGeneration(o Options) *generation {
	return &generation{opts: o, routes: NewRoutes(o.RunWorkerFirst), drained: make(chan struct{})}
}

func (g *generation) release() {
	if g.inflight.Add(-1) == 0 && g.retired.Load() {
		g.once.Do(func() { close(g.drained) })
	}
}

// Server is the edge. It implements http.Handler.
type Server struct {
	cur atomic.Pointer[generation]
}

// New returns a Server for opts.
func New(opts Options) *Server {
	s := &Server{}
	s.cur.Store(newGeneration(opts))
	return s
}

// Swap replaces the assets, worker and rules at once. New requests go to
// opts; requests in flight finish on what they started with.
func (s *Server) Swap(opts Options) {
	s.retire(s.cur.Swap(newGeneration(opts)))
}

// SwapAndDrain swaps like Swap, then waits until every request still on the
// old version has finished, or ctx ends (deploy's 30 s drain): after it
// returns nil the old worker and its containers can be stopped.
func (s *Server) SwapAndDrain(ctx context.Context, opts Options) error {
	old := s.cur.Swap(newGeneration(opts))
	s.retire(old)
	select {
	case <-old.drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) retire(g *generation) {
	g.retired.Store(true)
	if g.inflight.Load() == 0 {
		g.once.Do(func() { close(g.drained) })
	}
}

// acquire pins the current generation for one request. A request that
// raced a swap and pinned a retired generation moves to the new one, so a
// drained generation never gets a request again.
func (s *Server) acquire() *generation {
	for {
		g := s.cur.Load()
		g.inflight.Add(1)
		if !g.retired.Load() {
			return g
		}
		g.release()
	}
}

// Route names who answers r now: RouteAsset, RouteWorker or RouteNone.
func (s *Server) Route(r *http.Request) string {
	g := s.acquire()
	defer g.release()
	_, route := g.route(r)
	return route
}

// route decides between the assets and the worker as Cloudflare's router
// worker does:
//   - run_worker_first true: the worker, always;
//   - a list (static routing): "!/..." rules send r to the assets, the
//     other rules to the worker; any other path is the assets' when they
//     answer it, not_found_handling included (the SPA's index.html, a
//     404.html), whatever Sec-Fetch-Mode says, else the worker's;
//   - no rules: the assets' when a file (or redirect) answers, or, for a
//     browser navigation with assets_navigation_prefers_asset_serving,
//     when not_found_handling does; else the worker's.
//
// Without a worker the assets answer everything.
func (g *generation) route(r *http.Request) (http.Handler, string) {
	o := g.opts
	switch {
	case o.Worker == nil && o.Assets == nil:
		return nil, RouteNone
	case o.Worker == nil:
		return o.Assets, RouteAsset
	case o.Assets == nil:
		return o.Worker, RouteWorker
	}
	switch g.routes.Decide(assets.RequestPath(r)) {
	case WorkerFirst:
		return o.Worker, RouteWorker
	case AssetsOnly:
		return o.Assets, RouteAsset
	}
	if _, ok := o.Assets.Lookup(r, g.routes.Static()); ok {
		return o.Assets, RouteAsset
	}
	return o.Worker, RouteWorker
}

// ServeHTTP routes r (see route) and reports it as one events.Request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := s.acquire()
	defer g.release()
	o := g.opts
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	h, route := g.route(r)
	if o.Dev {
		w.Header().Set("X-Valet-Route", route)
	}
	defer func() {
		ev := events.Event{
			Kind: events.Request, Method: r.Method, Path: r.URL.EscapedPath(),
			Status: rec.statusCode(), Route: route, Bytes: rec.bytes, Duration: time.Since(start),
		}
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				o.Events.Emit(ev)
				panic(p)
			}
			ev.Status, ev.Error = http.StatusInternalServerError, panicMessage(p)
			o.Events.Emit(ev)
			if rec.wroteHeader {
				panic(http.ErrAbortHandler) // too late for a 500: cut the response
			}
			http.Error(rec, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		o.Events.Emit(ev)
	}()
	if h == nil {
		rec.WriteHeader(http.StatusNotFound)
		return
	}
	h.ServeHTTP(rec, r)
}
