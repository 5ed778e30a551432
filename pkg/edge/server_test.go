package edge

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/assets"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
)

const site = "../../testdata/assets/site"

func newAssets(t testing.TB, nf string) *assets.Server {
	t.Helper()
	a, err := assets.New(assets.Options{Dir: site, NotFoundHandling: nf, NavigationPrefersAssets: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// stubWorker stands in for the worker (workerd behind its proxy): it answers "worker <path>".
func stubWorker(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, name+" "+r.URL.Path)
	})
}

func TestRouting(t *testing.T) {
	spa, none, page404 := newAssets(t, assets.NotFoundSPA), newAssets(t, assets.NotFoundNone), newAssets(t, assets.NotFound404Page)
	rules := config.RunWorkerFirst{Routes: []string{"/api/*", "!/api/public/*"}}
	worker := stubWorker("worker")
	type req struct {
		method, path string
		navigate     bool
	}
	for _, c := range []struct {
		name       string
		opts       Options
		req        req
		wantRoute  string
		wantStatus int
		wantBody   string // prefix
	}{
		{"asset beats worker", Options{Assets: spa, Worker: worker}, req{"GET", "/about", false}, RouteAsset, 200, "<!doctype html><title>about"},
		{"run_worker_first glob", Options{Assets: spa, Worker: worker, RunWorkerFirst: rules}, req{"GET", "/api/users/1", false}, RouteWorker, 200, "worker /api/users/1"},
		{"negated glob stays on assets", Options{Assets: spa, Worker: worker, RunWorkerFirst: rules}, req{"GET", "/api/public/x", false}, RouteAsset, 200, "<!doctype html><title>home"},
		{"miss goes to the worker", Options{Assets: spa, Worker: worker}, req{"GET", "/app/route", false}, RouteWorker, 200, "worker /app/route"},
		{"SPA navigation gets index.html", Options{Assets: spa, Worker: worker}, req{"GET", "/app/route", true}, RouteAsset, 200, "<!doctype html><title>home"},
		{"404-page navigation gets 404.html", Options{Assets: page404, Worker: worker}, req{"GET", "/docs/x", true}, RouteAsset, 404, "<!doctype html><title>docs not found"},
		{"none navigation goes to the worker", Options{Assets: none, Worker: worker}, req{"GET", "/app/route", true}, RouteWorker, 200, "worker"},
		{"POST to a file is 405", Options{Assets: spa, Worker: worker}, req{"POST", "/about", false}, RouteAsset, 405, ""},
		{"POST to a miss goes to the worker", Options{Assets: spa, Worker: worker}, req{"POST", "/api/x", false}, RouteWorker, 200, "worker /api/x"},
		{"html_handling redirect", Options{Assets: spa, Worker: worker}, req{"GET", "/about.html", false}, RouteAsset, 307, ""},
		{"_redirects rule", Options{Assets: spa, Worker: worker}, req{"GET", "/old", false}, RouteAsset, 301, ""},
		{"run_worker_first true", Options{Assets: spa, Worker: worker, RunWorkerFirst: config.RunWorkerFirst{All: true}}, req{"GET", "/about", false}, RouteWorker, 200, "worker /about"},
		{"no worker: SPA fallback for any request", Options{Assets: spa}, req{"GET", "/api/users", false}, RouteAsset, 200, "<!doctype html><title>home"},
		{"no worker: rules ignored", Options{Assets: spa, RunWorkerFirst: rules}, req{"GET", "/api/users", false}, RouteAsset, 200, "<!doctype html><title>home"},
		{"no worker, none: empty 404", Options{Assets: none}, req{"GET", "/nope", false}, RouteAsset, 404, ""},
		{"no worker, 404-page", Options{Assets: page404}, req{"GET", "/docs/a/b", false}, RouteAsset, 404, "<!doctype html><title>docs not found"},
		{"no assets", Options{Worker: worker}, req{"GET", "/about", false}, RouteWorker, 200, "worker /about"},
		{"nothing at all", Options{}, req{"GET", "/", false}, RouteNone, 404, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &events.Recorder{}
			c.opts.Events = events.NewEmitter(rec)
			c.opts.Dev = true
			s := New(c.opts)
			r := httptest.NewRequest(c.req.method, c.req.path, nil)
			if c.req.navigate {
				r.Header.Set("Sec-Fetch-Mode", "navigate")
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != c.wantStatus || !strings.HasPrefix(w.Body.String(), c.wantBody) {
				t.Errorf("%s %s = %d %q, want %d %q", c.req.method, c.req.path, w.Code, w.Body.String(), c.wantStatus, c.wantBody)
			}
			if got := w.Header().Get("X-Valet-Route"); got != c.wantRoute {
				t.Errorf("X-Valet-Route = %q, want %q", got, c.wantRoute)
			}
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("events = %+v, want one", evs)
			}
			e := evs[0]
			if e.Kind != events.Request || e.Route != c.wantRoute || e.Status != c.wantStatus || e.Method != c.req.method || e.Path != c.req.path || e.Bytes != int64(w.Body.Len()) {
				t.Errorf("event = %+v", e)
			}
		})
	}
}

func TestNoRouteHeaderOutsideDev(t *testing.T) {
	s := New(Options{Worker: stubWorker("w")})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Header().Get("X-Valet-Route") != "" {
		t.Errorf("X-Valet-Route leaked outside dev")
	}
}

func TestWorkerPanic(t *testing.T) {
	rec := &events.Recorder{}
	s := New(Options{Worker: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), Events: events.NewEmitter(rec)})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 {
		t.Errorf("status = %d, want 500", w.Code)
	}
	if evs := rec.Events(); len(evs) != 1 || evs[0].Status != 500 || !strings.Contains(evs[0].Error, "boom") {
		t.Errorf("events = %+v", evs)
	}
}

// TestSwapUnderLoad swaps versions while clients hammer the server: every
// request gets a complete answer from exactly one version. Run with -race.
func TestSwapUnderLoad(t *testing.T) {
	s := New(Options{Worker: stubWorker("v0")})
	ts := httptest.NewServer(s)
	defer ts.Close()
	var stop atomic.Bool
	var wg sync.WaitGroup
	var failures atomic.Int64
	var served atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				resp, err := ts.Client().Get(ts.URL + "/x")
				if err != nil {
					failures.Add(1)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "v") || !strings.HasSuffix(string(b), " /x") {
					failures.Add(1)
				}
				served.Add(1)
			}
		}()
	}
	a := newAssets(t, assets.NotFoundSPA)
	for i := range 200 {
		n := served.Load()
		if i%2 == 0 {
			s.Swap(Options{Worker: stubWorker("v" + itoa(i)), Assets: a})
		} else {
			s.Swap(Options{Worker: stubWorker("v" + itoa(i))})
		}
		// The next swap waits for a request answered since this one: the
		// swaps interleave with requests however the goroutines are run.
		waitFor(t, func() bool { return served.Load() > n })
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() > 0 || served.Load() == 0 {
		t.Errorf("%d failures in %d requests", failures.Load(), served.Load())
	}
}

func TestSwapAndDrain(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	var finished atomic.Bool
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "old")
		finished.Store(true)
	})
	s := New(Options{Worker: slow})
	ts := httptest.NewServer(s)
	defer ts.Close()
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // before ts.Close, which waits for the request, even when the test fails
	got := make(chan string, 1)
	go func() {
		resp, err := ts.Client().Get(ts.URL)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started

	drained := make(chan error, 1)
	go func() { drained <- s.SwapAndDrain(context.Background(), Options{Worker: stubWorker("new")}) }()
	// New requests already reach the new version while the old one drains.
	waitFor(t, func() bool {
		resp, err := ts.Client().Get(ts.URL + "/n")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b) == "new /n"
	})
	// The new version has answered, so the swap is done; a drain that did
	// not wait for the old version's request would have returned by now.
	select {
	case err := <-drained:
		t.Fatalf("drain returned %v while a request was in flight", err)
	default:
	}
	unblock()
	if err := <-drained; err != nil {
		t.Fatalf("drain: %v", err)
	}
	if !finished.Load() {
		t.Error("drain returned before the old version's request finished")
	}
	if b := <-got; b != "old" {
		t.Errorf("in-flight request got %q, want old", b)
	}

	// A drain that runs out of time says so.
	s2 := New(Options{Worker: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })})
	ts2 := httptest.NewServer(s2)
	defer ts2.Close()
	reqCtx, cancelReq := context.WithCancel(context.Background())
	defer cancelReq()
	go func() {
		req, _ := http.NewRequestWithContext(reqCtx, "GET", ts2.URL, nil)
		if resp, err := ts2.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, func() bool { return s2.cur.Load().inflight.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s2.SwapAndDrain(ctx, Options{}); err == nil {
		t.Errorf("SwapAndDrain returned nil with a request stuck in flight")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestStaticRouting walks every branch of Cloudflare's router and asset
// workers (router-worker/src/worker.ts, asset-worker/src/handler.ts
// canFetch): run_worker_first true, false or a list with negatives;
// not_found_handling none, SPA or 404-page; each html_handling; a browser
// navigation or a fetch(); assets_navigation_prefers_asset_serving on or
// off; GET, HEAD or another method.
func TestStaticRouting(t *testing.T) {
	rules := config.RunWorkerFirst{Routes: []string{"/api/*", "!/api/public/*"}}
	worker := stubWorker("worker")
	const (
		home    = "<!doctype html><title>home"
		notFnd  = "<!doctype html><title>not found"
		docs404 = "<!doctype html><title>docs not found"
	)
	type want struct {
		route  string
		status int
		body   string // prefix
	}
	for _, c := range []struct {
		name     string
		notFound string
		html     string
		prefers  bool // assets_navigation_prefers_asset_serving
		rwf      config.RunWorkerFirst
		method   string
		path     string
		navigate bool
		want     want
	}{
		// Static routing: a path no rule matches gets not_found_handling's
		// answer, navigation or not.
		{"list, SPA, client route", assets.NotFoundSPA, "", true, rules, "GET", "/app/route", false, want{RouteAsset, 200, home}},
		{"list, SPA, client route, navigation", assets.NotFoundSPA, "", true, rules, "GET", "/app/route", true, want{RouteAsset, 200, home}},
		{"list, SPA, HEAD", assets.NotFoundSPA, "", true, rules, "HEAD", "/app/route", false, want{RouteAsset, 200, ""}},
		{"list, SPA, prefers off", assets.NotFoundSPA, "", false, rules, "GET", "/app/route", false, want{RouteAsset, 200, home}},
		{"list, SPA, POST is the assets' 405", assets.NotFoundSPA, "", true, rules, "POST", "/app/route", false, want{RouteAsset, 405, ""}},
		{"list, SPA, missing script", assets.NotFoundSPA, "", true, rules, "GET", "/assets/nope.js", false, want{RouteAsset, 200, home}},
		{"list, 404-page", assets.NotFound404Page, "", true, rules, "GET", "/app/route", false, want{RouteAsset, 404, notFnd}},
		{"list, 404-page, nearest", assets.NotFound404Page, "", true, rules, "GET", "/docs/a/b", false, want{RouteAsset, 404, docs404}},
		{"list, none: the worker", assets.NotFoundNone, "", true, rules, "GET", "/app/route", false, want{RouteWorker, 200, "worker /app/route"}},
		{"list, none, navigation: the worker", assets.NotFoundNone, "", true, rules, "GET", "/app/route", true, want{RouteWorker, 200, "worker /app/route"}},
		{"list, a file", assets.NotFoundSPA, "", true, rules, "GET", "/about", false, want{RouteAsset, 200, "<!doctype html><title>about"}},
		{"list, rule beats a file", assets.NotFoundSPA, "", true, config.RunWorkerFirst{Routes: []string{"/about"}}, "GET", "/about", false, want{RouteWorker, 200, "worker /about"}},
		{"list, rule, navigation", assets.NotFoundSPA, "", true, rules, "GET", "/api/users", true, want{RouteWorker, 200, "worker /api/users"}},
		{"list, rule, POST", assets.NotFoundSPA, "", true, rules, "POST", "/api/users", false, want{RouteWorker, 200, "worker /api/users"}},
		{"list, negative: SPA", assets.NotFoundSPA, "", true, rules, "GET", "/api/public/x", false, want{RouteAsset, 200, home}},
		{"list, negative: 404-page", assets.NotFound404Page, "", true, rules, "GET", "/api/public/x", false, want{RouteAsset, 404, notFnd}},
		{"list, negative: none is an empty 404", assets.NotFoundNone, "", true, rules, "GET", "/api/public/x", true, want{RouteAsset, 404, ""}},
		{"list, _redirects", assets.NotFoundSPA, "", true, rules, "GET", "/old", false, want{RouteAsset, 301, ""}},
		{"list, drop-trailing-slash redirect", assets.NotFoundSPA, assets.HTMLDropTrailingSlash, true, rules, "GET", "/about/", false, want{RouteAsset, 307, ""}},
		{"list, drop-trailing-slash, SPA", assets.NotFoundSPA, assets.HTMLDropTrailingSlash, true, rules, "GET", "/app/route/", false, want{RouteAsset, 200, home}},
		{"list, force-trailing-slash redirect", assets.NotFoundSPA, assets.HTMLForceTrailingSlash, true, rules, "GET", "/about", false, want{RouteAsset, 307, ""}},
		{"list, force-trailing-slash, 404-page", assets.NotFound404Page, assets.HTMLForceTrailingSlash, true, rules, "GET", "/docs/x/", false, want{RouteAsset, 404, docs404}},
		{"list, html_handling none, SPA", assets.NotFoundSPA, assets.HTMLNone, true, rules, "GET", "/about", false, want{RouteAsset, 200, home}},

		// No static routing: Sec-Fetch-Mode: navigate decides, when the
		// compatibility behaviour is on.
		{"false, SPA, fetch: the worker", assets.NotFoundSPA, "", true, config.RunWorkerFirst{}, "GET", "/app/route", false, want{RouteWorker, 200, "worker /app/route"}},
		{"false, SPA, navigation", assets.NotFoundSPA, "", true, config.RunWorkerFirst{}, "GET", "/app/route", true, want{RouteAsset, 200, home}},
		{"false, SPA, navigation, prefers off", assets.NotFoundSPA, "", false, config.RunWorkerFirst{}, "GET", "/app/route", true, want{RouteWorker, 200, "worker /app/route"}},
		{"false, 404-page, navigation", assets.NotFound404Page, "", true, config.RunWorkerFirst{}, "GET", "/docs/x", true, want{RouteAsset, 404, docs404}},
		{"false, 404-page, fetch: the worker", assets.NotFound404Page, "", true, config.RunWorkerFirst{}, "GET", "/docs/x", false, want{RouteWorker, 200, "worker /docs/x"}},
		{"false, SPA, POST: the worker", assets.NotFoundSPA, "", true, config.RunWorkerFirst{}, "POST", "/app/route", false, want{RouteWorker, 200, "worker /app/route"}},
		{"false, SPA, POST navigation: 405", assets.NotFoundSPA, "", true, config.RunWorkerFirst{}, "POST", "/app/route", true, want{RouteAsset, 405, ""}},
		{"false, a file", assets.NotFoundNone, "", false, config.RunWorkerFirst{}, "GET", "/about", false, want{RouteAsset, 200, "<!doctype html><title>about"}},

		// run_worker_first true: the worker, always.
		{"true, a file", assets.NotFoundSPA, "", true, config.RunWorkerFirst{All: true}, "GET", "/about", true, want{RouteWorker, 200, "worker /about"}},
		{"true, navigation", assets.NotFoundSPA, "", true, config.RunWorkerFirst{All: true}, "GET", "/app/route", true, want{RouteWorker, 200, "worker /app/route"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := assets.New(assets.Options{Dir: site, NotFoundHandling: c.notFound, HTMLHandling: c.html, NavigationPrefersAssets: c.prefers})
			if err != nil {
				t.Fatal(err)
			}
			s := New(Options{Assets: a, Worker: worker, RunWorkerFirst: c.rwf, Dev: true})
			r := httptest.NewRequest(c.method, c.path, nil)
			if c.navigate {
				r.Header.Set("Sec-Fetch-Mode", "navigate")
			}
			if got := s.Route(r); got != c.want.route {
				t.Errorf("Route = %s, want %s", got, c.want.route)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != c.want.status || !strings.HasPrefix(w.Body.String(), c.want.body) || w.Header().Get("X-Valet-Route") != c.want.route {
				t.Errorf("%s %s = %s %d %q, want %s %d %q", c.method, c.path, w.Header().Get("X-Valet-Route"), w.Code, w.Body.String(), c.want.route, c.want.status, c.want.body)
			}
		})
	}
}
