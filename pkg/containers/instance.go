package containers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// Instance is the container of one Durable Object: at most one run at a
// time, started by ctx.container.start().
type Instance struct {
	m         *Manager
	class, id string

	mu  sync.Mutex
	run *run // the current or last run
}

// run is one container's life, from start() to its exit.
type run struct {
	started   chan struct{} // closed once created and started, or failed to
	done      chan struct{} // closed once it exited (or failed to start)
	cid       string
	startedAt time.Time
	err       error // failed to start
	exit      int
	signalled bool           // valet sent a signal or killed it (Instance.mu)
	ports     map[int]string // port → address that answered (Instance.mu)
}

func (r *run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// Running is true from Start until the container exited.
func (in *Instance) Running() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.run != nil && !in.run.isDone()
}

// Start launches the container in the background.
func (in *Instance) Start(opts StartOptions) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.run != nil && !in.run.isDone() {
		return nil
	}
	if err := in.m.reserve(in.class); err != nil {
		return err
	}
	r := &run{started: make(chan struct{}), done: make(chan struct{}), ports: map[int]string{}, startedAt: time.Now()}
	in.run = r
	in.m.emit(in.class, in.id, "starting", "")
	in.m.launches.Add(1)
	go in.launch(r, opts)
	return nil
}

func (in *Instance) launch(r *run, opts StartOptions) {
	m := in.m
	defer m.launches.Done()
	labels := map[string]string{}
	maps.Copy(labels, opts.Labels)
	maps.Copy(labels, m.labels(in.class, in.id))
	spec := engine.ContainerSpec{
		Name:    containerName(m.opts.App, in.class, in.id, m.opts.NameSuffix),
		Image:   m.opts.Classes[in.class].Image,
		Env:     opts.Env,
		Labels:  labels,
		Network: m.opts.Network,
	}
	if len(opts.Entrypoint) > 0 {
		spec.Entrypoint = opts.Entrypoint
	}
	// Container addresses are only reachable from a Linux host running the
	// engine (or a container on the same network); otherwise, and always in
	// valet dev, dial the EXPOSE'd ports published on 127.0.0.1.
	direct := m.opts.ByNetworkAddress && runtime.GOOS == "linux" && !m.opts.Engine.Remote()
	if !direct {
		spec.Ports = exposedPorts(m.ctx, m.opts.Engine, spec.Image)
	}
	switch {
	case !opts.EnableInternet:
		m.noInternet(in.class, in.id, &spec, direct)
	case m.opts.EgressNetwork != "":
		spec.ExtraNetworks = []string{m.opts.EgressNetwork}
	}
	id, err := m.opts.Engine.RunContainer(m.ctx, spec)
	if err != nil && strings.Contains(err.Error(), "already in use") {
		// A left-over of this object from a killed session: replace it.
		_ = m.opts.Engine.Remove(m.ctx, spec.Name)
		id, err = m.opts.Engine.RunContainer(m.ctx, spec)
	}
	r.startedAt = time.Now()
	if err != nil {
		r.err = fmt.Errorf("container of %s %s failed to start: %w", in.class, short(in.id), err)
		close(r.started)
		in.finish(r, -1)
		return
	}
	r.cid = id
	close(r.started)
	m.emit(in.class, in.id, "running", "")
	go in.follow(id)
	go func() {
		code, err := m.opts.Engine.Wait(m.ctx, id)
		if err != nil && m.ctx.Err() == nil {
			// The engine lost track of it; say so through monitor().
			code = -1
		}
		in.finish(r, code)
	}()
}

// finish removes the container, then records the exit and frees the slot:
// a start after monitor() settles never meets the old container's name.
func (in *Instance) finish(r *run, code int) {
	if r.cid != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = removeQuiet(ctx, in.m.opts.Engine, r.cid)
		cancel()
	}
	in.mu.Lock()
	r.exit = code
	signalled := r.signalled
	close(r.done)
	in.mu.Unlock()
	in.m.unreserve(in.class)
	switch {
	case r.err != nil:
		in.m.emit(in.class, in.id, "crashed", r.err.Error())
	case code == 0 || signalled || in.m.closing():
		in.m.emit(in.class, in.id, "stopped", fmt.Sprintf("exit code %d", code))
	default:
		in.m.emit(in.class, in.id, "crashed", fmt.Sprintf("exit code %d", code))
	}
}

// removeQuiet removes a container; one already being removed is no error.
func removeQuiet(ctx context.Context, e engine.API, id string) error {
	err := e.Remove(ctx, id)
	if err != nil && strings.Contains(err.Error(), "already in progress") {
		return nil
	}
	return err
}

// follow turns the container's output into log events.
func (in *Instance) follow(cid string) {
	rc, err := in.m.opts.Engine.Logs(in.m.ctx, cid, true)
	if err != nil {
		return
	}
	defer rc.Close()
	src := "container:" + in.class + "/" + short(in.id)
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		in.m.opts.Events.Emit(events.Event{Kind: events.Log, Source: src, Message: sc.Text()})
	}
}

// Monitor waits for the current run's exit.
func (in *Instance) Monitor() func(ctx context.Context) error {
	in.mu.Lock()
	r := in.run
	in.mu.Unlock()
	return func(ctx context.Context) error {
		if r == nil {
			return errors.New(msgNotRunning)
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		in.mu.Lock()
		defer in.mu.Unlock()
		switch {
		case r.err != nil:
			return r.err
		case r.exit == 0:
			return nil
		case r.signalled:
			return fmt.Errorf(msgSignalled, r.exit)
		default:
			return fmt.Errorf(msgUnexpected, r.exit)
		}
	}
}

// Signal sends sig to the container's main process.
func (in *Instance) Signal(sig int) error {
	in.mu.Lock()
	r := in.run
	if r == nil || r.isDone() {
		in.mu.Unlock()
		return errors.New(msgNotRunning)
	}
	r.signalled = true
	in.mu.Unlock()
	go func() {
		select {
		case <-r.started:
		case <-r.done:
		}
		if r.cid != "" && !r.isDone() {
			in.m.emit(in.class, in.id, "stopping", "signal "+strconv.Itoa(sig))
			_ = in.m.opts.Engine.Signal(in.m.ctx, r.cid, strconv.Itoa(sig))
		}
	}()
	return nil
}

// Destroy kills the container and waits for it to be gone.
func (in *Instance) Destroy(ctx context.Context) error {
	in.mu.Lock()
	r := in.run
	if r == nil || r.isDone() {
		in.mu.Unlock()
		return nil
	}
	r.signalled = true
	in.mu.Unlock()
	in.m.emit(in.class, in.id, "stopping", "destroy")
	if err := in.remove(ctx); err != nil {
		return err
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// remove force-removes the current run's container.
func (in *Instance) remove(ctx context.Context) error {
	in.mu.Lock()
	r := in.run
	in.mu.Unlock()
	if r == nil {
		return nil
	}
	select {
	case <-r.started:
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.cid == "" {
		return nil
	}
	return removeQuiet(ctx, in.m.opts.Engine, r.cid)
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Transport reaches the container's port.
func (in *Instance) Transport(port int) http.RoundTripper { return portTransport{in, port} }

type portTransport struct {
	in   *Instance
	port int
}

func (t portTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := t.in
	in.mu.Lock()
	r := in.run
	in.mu.Unlock()
	if r == nil || r.isDone() {
		closeBody(req)
		return nil, errors.New(msgNotRunning)
	}
	addr, err := in.addr(req.Context(), r, t.port)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = "http"
	out.URL.Host = addr
	if out.Host == "" {
		out.Host = req.URL.Host
	}
	out.RequestURI = ""
	res, err := in.m.client.Transport.RoundTrip(out)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, fmt.Errorf("%s on port %d: %v", msgNotListening, t.port, err)
	}
	return res, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// addr is where port answers: for a freshly started container it waits
// (up to ReadyTimeout after the start) until the port listens.
func (in *Instance) addr(ctx context.Context, r *run, port int) (string, error) {
	select {
	case <-r.started:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if r.err != nil {
		return "", r.err
	}
	in.mu.Lock()
	a := r.ports[port]
	in.mu.Unlock()
	if a != "" {
		return a, nil
	}
	e := in.m.opts.Engine
	var err error
	if deadline := r.startedAt.Add(in.m.opts.ReadyTimeout); time.Now().Before(deadline) {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		a, err = e.WaitPort(wctx, r.cid, port)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", fmt.Errorf("%s on port %d: %v", msgNotListening, port, err)
		}
	} else if a, err = e.ContainerAddr(ctx, r.cid, port); err != nil {
		return "", fmt.Errorf("%s on port %d: %v", msgNotListening, port, err)
	}
	in.mu.Lock()
	r.ports[port] = a
	in.mu.Unlock()
	return a, nil
}

// exposedPorts reads the image's EXPOSE'd TCP ports, to publish them.
func exposedPorts(ctx context.Context, api engine.API, ref string) []int {
	e, ok := api.(*engine.Engine)
	if !ok {
		return nil
	}
	res, err := e.Client().ImageInspect(ctx, ref)
	if err != nil || res.Config == nil {
		return nil
	}
	var out []int
	for p := range res.Config.ExposedPorts {
		if n, err := strconv.Atoi(strings.TrimSuffix(fmt.Sprint(p), "/tcp")); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// noInternet puts a container started with enableInternet: false on the
// engine's internal network, which has no route out. Published ports do
// not exist there, so where the container is only reachable through them
// (a remote engine, a Mac) it keeps its network and the event says so.
func (m *Manager) noInternet(class, id string, spec *engine.ContainerSpec, direct bool) {
	src := "container:" + class
	if m.opts.EgressNetwork != "" {
		// Network is the app's internal network already.
		m.opts.Events.Emit(events.Event{Kind: events.Log, Source: src, Step: "info",
			Message: "container of " + class + " " + short(id) + " has no internet access (enableInternet: false; network " + m.opts.Network + ")"})
		return
	}
	if !direct {
		m.opts.Events.Emit(events.Event{Kind: events.Log, Source: src, Step: "warn",
			Message: "enableInternet: false is not enforced for " + class + " " + short(id) + ": on this engine its ports are reached through published ports, which an internal network has none of"})
		return
	}
	spec.Network = engine.InternalNetwork
	m.opts.Events.Emit(events.Event{Kind: events.Log, Source: src, Step: "info",
		Message: "container of " + class + " " + short(id) + " has no internet access (enableInternet: false; network " + engine.InternalNetwork + ")"})
}

// StartOptions are ctx.container.start()'s options.
type StartOptions struct {
	Env            map[string]string
	Entrypoint     []string
	EnableInternet bool
	Labels         map[string]string
}
