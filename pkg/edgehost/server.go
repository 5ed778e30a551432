package edgehost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/cacheapi"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/edge"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
)

// Defaults of the edge container.
const (
	DefaultAddr    = ":8080"
	DefaultControl = "/tmp/valet-edge.sock"
	// DrainTimeout bounds how long requests in flight on the old version may
	// run after a switch.
	DrainTimeout = 30 * time.Second
	tailLines    = 20
	// WorkerdPath is where the edge image puts workerd (pkg/deploy builds
	// it); $VALET_WORKERD overrides it (tests run the edge outside a
	// container).
	WorkerdPath = "/usr/local/bin/workerd"
)

// ServeOptions configure `valet edge serve`.
type ServeOptions struct {
	StateDir string    // default DefaultStateDir
	Addr     string    // default DefaultAddr
	Control  string    // unix socket of the control API; default DefaultControl
	Out      io.Writer // JSON event lines (the container's log)
	// Workerd is the workerd executable that runs each version's worker;
	// default WorkerdPath.
	Workerd string
	// Ready is called once the public port is bound.
	Ready func(url string)
	// Engine connects to the Docker Engine that runs the Durable Objects'
	// containers; default: engine.Connect, which follows DOCKER_HOST (the
	// socket mounted into the edge).
	Engine func(ctx context.Context) (*engine.Engine, error)
	// TestClock, when set, runs the versions' cron triggers, queues and
	// workflows on a clock the test moves; tests only.
	TestClock *appserver.TestClock
	// Cluster is how the host takes part in a workerd cluster, for the
	// versions whose config has deploy.cluster.
	Cluster ClusterHost
}

// Server serves the active version and switches versions on request.
type Server struct {
	store *Store
	opts  ServeOptions
	edge  *edge.Server
	outMu sync.Mutex

	engine *engineLink
	// objects says which loaded version runs each Durable Object: during a
	// switch, an object moves from the old version to the new one, never
	// running in both. In a cluster workerd says (clusterObjects).
	objects        *workerd.Objects
	clusterObjects *workerd.Objects
	// pool holds the objects' containers for all loaded versions: a
	// container follows its object from version to version.
	pool *containerPool
	// cache is the worker's Cache API store, kept across versions
	cache *cacheapi.Store

	mu     sync.Mutex // one activation at a time; guards active and cur
	active string
	cur    *live

	// loaded are the versions running now (the one in service, and one
	// being checked or drained), for status: it must not wait for an
	// activation.
	loadedMu sync.Mutex
	loaded   []*live
	serving  *live
}

// live is a loaded version: its app, and the containers its objects use
// (nil without containers[]).
type live struct {
	id      string
	started time.Time
	app     *appserver.App
	ctrs    *versionContainers
	cluster *instanceCluster // nil outside a cluster
	forget  func(*live)
	// held reports whether a version of the host holds an object now.
	held func(class, id string) bool
}

// close stops the version, then gives its containers back (those of an
// image no other version uses are removed). In a cluster, the objects it
// ran that no version of the host took over went to another host, which
// runs their containers: theirs here stop.
func (l *live) close() error {
	if l == nil {
		return nil
	}
	var errs []error
	if l.app != nil {
		ran := l.app.Objects()
		errs = append(errs, l.app.Close())
		if l.cluster != nil {
			for _, o := range ran {
				if !l.held(o.Class, o.ID) {
					errs = append(errs, l.ctrs.stop(context.Background(), o.Class, o.ID))
				}
			}
		}
	}
	if l.forget != nil {
		l.forget(l)
	}
	return errors.Join(append(errs, l.ctrs.close())...)
}

// clusterPort is the port the version's instance listens on for its peers
// (0 outside a cluster).
func (l *live) clusterPort() int {
	if l == nil || l.cluster == nil {
		return 0
	}
	return l.cluster.port
}

// noVersion answers before the first deploy has switched.
var noVersion = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "valet: no version is deployed yet", http.StatusServiceUnavailable)
})

// Serve runs the edge until ctx ends: it serves the version state.json names
// (so a restarted container comes back by itself) and answers the control
// socket.
func Serve(ctx context.Context, opts ServeOptions) error {
	if opts.StateDir == "" {
		opts.StateDir = DefaultStateDir
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Control == "" {
		opts.Control = DefaultControl
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Workerd == "" {
		opts.Workerd = WorkerdPath
	}
	store, err := NewStore(opts.StateDir)
	if err != nil {
		return err
	}
	s := &Server{store: store, opts: opts, edge: edge.New(edge.Options{Worker: noVersion}), engine: &engineLink{connect: opts.Engine},
		objects: workerd.NewObjects(), clusterObjects: workerd.NewClusterObjects(), pool: newContainerPool(), cache: cacheapi.New(cacheapi.Options{})}
	defer s.engine.close()
	st, err := store.Read()
	if err != nil {
		return err
	}
	if st.Active != "" {
		l, _, err := s.load(ctx, st.Active, 0)
		if err != nil {
			// Keep serving (503) and say why: the next deploy fixes it.
			s.emit(events.Event{Kind: events.Warning, Message: fmt.Sprintf("cannot load the active version %s: %v", st.Active, err)})
		} else {
			s.active, s.cur = st.Active, l
			s.setServing(l)
			l.app.Serve(ctx)
			s.opts.TestClock.Use(l.app)
			s.edge.Swap(l.app.Edge)
		}
	}
	defer func() {
		// The containers go with the edge; a new edge would sweep them.
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.cur.close(); err != nil {
			s.emit(events.Event{Kind: events.Warning, Message: err.Error()})
		}
	}()
	ctl, err := s.listenControl()
	if err != nil {
		return err
	}
	defer ctl.Close()
	go func() {
		srv := &http.Server{Handler: s.controlHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		_ = srv.Serve(ctl)
	}()
	return edge.ListenAndServe(ctx, opts.Addr, s.edge, func(url string) {
		announce() // listening: let the host reach us now, not a second later
		s.emit(events.Event{Kind: events.Ready, URL: url, Message: "serving version " + orNone(s.active)})
		if opts.Ready != nil {
			opts.Ready(url)
		}
	})
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func (s *Server) emit(e events.Event) {
	newLogSink(s.opts.Out, &s.outMu, "", 0).Emit(withTime(e))
}

func withTime(e events.Event) events.Event {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	return e
}

func (s *Server) listenControl() (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(s.opts.Control), 0o700); err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	_ = os.Remove(s.opts.Control) // left by a killed edge
	ln, err := net.Listen("unix", s.opts.Control)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	_ = os.Chmod(s.opts.Control, 0o600)
	return ln, nil
}

// load starts a version beside the one serving, whose cluster instance (if
// any) listens on busy.
func (s *Server) load(ctx context.Context, id string, busy int) (*live, *logSink, error) {
	m, err := s.store.Manifest(id)
	if err != nil {
		return nil, nil, err
	}
	var cfg config.Config
	if err := json.Unmarshal(m.Config, &cfg); err != nil {
		return nil, nil, fmt.Errorf("version %s: config: %w", id, err)
	}
	dir := s.store.VersionDir(id)
	v := appserver.Version{Config: &cfg, Dir: dir}
	if m.Worker != nil {
		if v.Script, err = os.ReadFile(filepath.Join(dir, m.Worker.Path)); err != nil {
			return nil, nil, fmt.Errorf("version %s: %w", id, err)
		}
		v.Exports, v.Main = m.WorkerExports, m.WorkerMain
		for _, mod := range m.WorkerModules {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(mod.Path)))
			if err != nil {
				return nil, nil, fmt.Errorf("version %s: %w", id, err)
			}
			v.Modules = append(v.Modules, bundle.Module{Name: mod.Name, Type: mod.Type, Content: b})
		}
	}
	if m.Map != nil {
		v.SourceMap, _ = os.ReadFile(filepath.Join(dir, m.Map.Path))
	}
	if len(m.Assets) > 0 || cfg.Assets != nil || cfg.Frontend != nil {
		v.AssetsDir = filepath.Join(dir, "assets")
		if err := os.MkdirAll(v.AssetsDir, 0o755); err != nil {
			return nil, nil, err
		}
	}
	secrets, err := s.store.Secrets()
	if err != nil {
		return nil, nil, err
	}
	v.Secrets = workerSecrets(secrets)
	ic, err := s.opts.Cluster.clusterOf(&cfg, secrets, busy)
	if err != nil {
		return nil, nil, fmt.Errorf("version %s: %w", id, err)
	}
	sink := newLogSink(s.opts.Out, &s.outMu, id, tailLines)
	em := events.NewEmitter(sink)
	ctrs, err := s.versionContainers(ctx, id, m, &cfg, sink)
	if err != nil {
		return nil, sink, err
	}
	var objectContainers workerd.Containers
	if ctrs != nil {
		objectContainers = ctrs
	}
	// Durable Object storage lives in the state volume, outside versions/:
	// every version of the app sees the same objects, across redeploys and
	// restarts of the edge.
	ao := appserver.Options{
		Events: em, Workerd: s.opts.Workerd, RunDir: filepath.Join(s.store.Dir, "run"),
		PersistTo: s.store.Dir, AppName: appName(&cfg, m), Containers: objectContainers, Objects: s.objects, Cache: s.cache,
		VersionID: id, TestClock: s.opts.TestClock != nil,
	}
	if ic != nil {
		// One instance of the cluster: workerd runs each object on one
		// instance of all the hosts', and moves it on a stop.
		ao.Objects, ao.Cluster, ao.ClusterAddr, ao.ClusterAdvertise = s.clusterObjects, ic.cluster, ic.bind, ic.advertise
	}
	app, err := appserver.New(ctx, v, ao)
	if err != nil {
		_ = ctrs.close()
		return nil, sink, fmt.Errorf("version %s: %w", id, err)
	}
	l := &live{id: id, started: time.Now(), app: app, ctrs: ctrs, cluster: ic, forget: s.forget, held: ao.Objects.Held}
	s.loadedMu.Lock()
	s.loaded = append(s.loaded, l)
	s.loadedMu.Unlock()
	return l, sink, nil
}

func (s *Server) setServing(l *live) {
	s.loadedMu.Lock()
	s.serving = l
	s.loadedMu.Unlock()
}

func (s *Server) forget(l *live) {
	s.loadedMu.Lock()
	defer s.loadedMu.Unlock()
	for i, x := range s.loaded {
		if x == l {
			s.loaded = append(s.loaded[:i:i], s.loaded[i+1:]...)
			return
		}
	}
}

// ActivateResult is the answer to an activation.
type ActivateResult struct {
	OK       bool            `json:"ok"`
	Version  string          `json:"version"`
	Previous string          `json:"previous,omitempty"`
	Check    *CheckResult    `json:"check,omitempty"`
	Error    string          `json:"error,omitempty"`
	Logs     []string        `json:"logs,omitempty"` // the last worker lines, on failure
	Drain    events.Millis   `json:"drain_ms,omitempty"`
	Pruned   []VersionRecord `json:"pruned,omitempty"`
}

// Activate loads version id, checks it, and switches to it; the old
// version keeps serving unless the check passes. reload re-activates the
// active version (new secrets).
func (s *Server) Activate(ctx context.Context, id string) *ActivateResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &ActivateResult{Version: id, Previous: s.active}
	l, sink, err := s.load(ctx, id, s.cur.clusterPort())
	if err != nil {
		res.Error = err.Error()
		if sink != nil {
			res.Logs = sink.Tail()
		}
		return res
	}
	m, _ := s.store.Manifest(id)
	var cfg config.Config
	_ = json.Unmarshal(m.Config, &cfg)
	hc, err := HealthFromConfig(&cfg)
	if err != nil {
		_ = l.close()
		res.Error = err.Error()
		return res
	}
	check := hc.Run(ctx, edge.New(l.app.Edge))
	res.Check = &check
	if !check.OK {
		res.Logs = sink.Tail()
		_ = l.close()
		res.Error = "health check failed"
		return res
	}
	// state.json first: if the edge dies right after, it comes back on the
	// version that passed.
	if _, err := s.store.Update(func(st *State) error {
		st.Active = id
		for i := range st.History {
			if st.History[i].ID == id {
				st.History[i].Activated = time.Now().UTC()
			}
		}
		return nil
	}); err != nil {
		_ = l.close()
		res.Error = err.Error()
		return res
	}
	start := time.Now()
	// Alarms run in the new version from now on; the old one's objects
	// move as they are asked for, the rest as it stops.
	l.app.Serve(ctx)
	old := s.cur
	selfDraining := l.cluster != nil && old.clusterPort() != 0
	if selfDraining {
		// The old instance drains itself as it stops: workerd keeps
		// serving its requests in flight, hands its objects to the other
		// instances and lets its connections finish. Waiting here would
		// also wait for the WebSockets it forwards to objects on other
		// hosts, which end only as it stops.
		s.edge.Swap(l.app.Edge)
	} else {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DrainTimeout)
		_ = s.edge.SwapAndDrain(dctx, l.app.Edge)
		cancel()
		res.Drain = events.Millis(time.Since(start))
	}
	s.active, s.cur = id, l
	s.setServing(l)
	s.opts.TestClock.Use(l.app)
	// The old version's requests have drained (in a cluster: drain as it
	// stops): its objects are handed over (those with alarms woken in the
	// new version), then it stops.
	if err := old.close(); err != nil {
		s.emit(events.Event{Kind: events.Warning, Message: err.Error()})
	}
	if selfDraining {
		res.Drain = events.Millis(time.Since(start))
	}
	keep := DefaultKeep
	if cfg.Deploy != nil && cfg.Deploy.Keep > 0 {
		keep = cfg.Deploy.Keep
	}
	res.Pruned, _ = s.store.Prune(keep)
	res.OK = true
	s.emit(events.Event{Kind: events.Info, Message: fmt.Sprintf("switched to version %s (from %s)", id, orNone(res.Previous))})
	return res
}

func (s *Server) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /activate", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("version")
		if id == "" {
			s.mu.Lock()
			id = s.active
			s.mu.Unlock()
			if id == "" {
				writeJSON(w, &ActivateResult{OK: true})
				return
			}
		}
		writeJSON(w, s.Activate(r.Context(), id))
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Status(r.Context(), r.URL.Query().Get("bucket") != ""))
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func controlClient(socket string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}}}
}

// ping checks that the server answers on its control socket.
func ping(ctx context.Context, socket string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://edge/status", nil)
	if err != nil {
		return err
	}
	resp, err := controlClient(socket).Do(req)
	if err != nil {
		return fmt.Errorf("the edge server is not answering yet: %w", err)
	}
	return resp.Body.Close()
}

// statusVia asks the running server for its Status.
func statusVia(ctx context.Context, socket string, withBucket bool) (*Status, error) {
	u := "http://edge/status"
	if withBucket {
		u += "?bucket=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := controlClient(socket).Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the edge server (%s): %w", socket, err)
	}
	defer resp.Body.Close()
	var st Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, fmt.Errorf("edge server answer: %w", err)
	}
	return &st, nil
}

// activateVia asks the running server, over its control socket, to switch
// to id ("" re-activates the active version).
func activateVia(ctx context.Context, socket, id string) (*ActivateResult, error) {
	c := controlClient(socket)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://edge/activate?version="+id, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the edge server (%s): %w", socket, err)
	}
	defer resp.Body.Close()
	var res ActivateResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("edge server answer: %w", err)
	}
	return &res, nil
}
