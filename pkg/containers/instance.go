package containers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// Instance is the container of one Durable Object: at most one run at a
// time, each started by ctx.container.start().
type Instance struct {
	m         *Manager
	class, id string

	mu   sync.Mutex
	runs []*run // the last few, the current (or last) one last
	seq  int    // runs started so far: the next one is seq+1
}

// keptRuns is how many finished runs an instance remembers, so that a
// monitor of a run that ended just before a restart still learns its exit.
const keptRuns = 4

// run is one container's life, from start() to its exit.
type run struct {
	n       int           // its number within the instance, from 1
	started chan struct{} // closed once created and started, or failed to
	done    chan struct{} // closed once it exited (or failed to start) and was removed
	cid     string
	err     error // failed to start
	exit    int
	stopped bool                       // valet signalled or destroyed it (Instance.mu)
	ports   map[int]engine.PortAddress // Instance.mu
	http    *portClient
}

// Exit is how a run ended.
type Exit struct {
	Code int   // the main process's exit code (137 when killed)
	Err  error // the container never ran (Code is then meaningless)
}

func (r *run) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// current is the current or last run (nil before the first start).
func (in *Instance) current() *run {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.runs) == 0 {
		return nil
	}
	return in.runs[len(in.runs)-1]
}

// Running is true from Start until the container exited.
func (in *Instance) Running() bool {
	r := in.current()
	return r != nil && !r.isDone()
}

// Current returns the number of the current run (0 before the first
// start) and whether it is still running.
func (in *Instance) Current() (n int, running bool) {
	r := in.current()
	if r == nil {
		return 0, false
	}
	return r.n, !r.isDone()
}

// Start launches a container in the background and returns its run's
// number. A container of the object that still runs is removed first (as
// workerd replaces one it finds under the object's name). It fails at once,
// with the platform's "there is no container instance..." text, when the
// class has no capacity left.
func (in *Instance) Start(ctx context.Context, opts StartOptions) (int, error) {
	if old := in.current(); old != nil && !old.isDone() {
		if err := in.Destroy(ctx); err != nil {
			return 0, err
		}
	}
	if err := in.m.reserve(in.class); err != nil {
		return 0, err
	}
	in.mu.Lock()
	in.seq++
	r := &run{n: in.seq, started: make(chan struct{}), done: make(chan struct{}), ports: map[int]engine.PortAddress{}}
	r.http = newPortClient(in, r)
	in.runs = append(in.runs, r)
	if len(in.runs) > keptRuns {
		in.runs = in.runs[len(in.runs)-keptRuns:]
	}
	in.mu.Unlock()
	in.m.emit(in.class, in.id, "starting", "")
	in.m.launches.Add(1)
	go in.launch(r, opts)
	return r.n, nil
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
		Cmd:     opts.Cmd,
		Env:     opts.Env,
		Labels:  labels,
		Network: m.opts.Network,
	}
	if opts.Image != "" {
		spec.Image = opts.Image
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
	if err != nil {
		r.err = fmt.Errorf("container of %s %s failed to start: %w", in.class, short(in.id), err)
		close(r.started)
		in.finish(r, -1)
		return
	}
	r.cid = id
	// "running" goes out before anyone waiting for the start can act on
	// the container (and say "stopping").
	m.emit(in.class, in.id, "running", "")
	close(r.started)
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
	r.http.close()
	in.mu.Lock()
	r.exit = code
	stopped := r.stopped
	in.mu.Unlock()
	// The slot is free and the state said before the run counts as done,
	// so that whoever waits for it sees both (and may start another).
	in.m.unreserve(in.class)
	switch {
	case r.err != nil:
		in.m.emit(in.class, in.id, "crashed", r.err.Error())
	case code == 0 || stopped || in.m.closing():
		in.m.emit(in.class, in.id, "stopped", fmt.Sprintf("exit code %d", code))
	default:
		in.m.emit(in.class, in.id, "crashed", fmt.Sprintf("exit code %d", code))
	}
	in.mu.Lock()
	close(r.done)
	in.mu.Unlock()
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

// ErrNoSuchRun is Wait's answer for a run the instance does not know (or no
// longer remembers).
var ErrNoSuchRun = errors.New("no such run of the container")

// Wait waits for run n to end and says how.
func (in *Instance) Wait(ctx context.Context, n int) (Exit, error) {
	in.mu.Lock()
	var r *run
	for _, x := range in.runs {
		if x.n == n {
			r = x
		}
	}
	in.mu.Unlock()
	if r == nil {
		return Exit{}, ErrNoSuchRun
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		return Exit{}, ctx.Err()
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return Exit{Code: r.exit, Err: r.err}, nil
}

// Signal sends sig to the current run's main process; it fails when none
// runs.
func (in *Instance) Signal(sig int) error {
	r := in.current()
	if r == nil || r.isDone() {
		return ErrNotRunning
	}
	in.mu.Lock()
	r.stopped = true
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

// Destroy kills the current run's container and waits for it to be gone.
func (in *Instance) Destroy(ctx context.Context) error {
	r := in.current()
	if r == nil || r.isDone() {
		return nil
	}
	in.mu.Lock()
	r.stopped = true
	in.mu.Unlock()
	in.m.emit(in.class, in.id, "stopping", "destroy")
	if err := in.remove(ctx, r); err != nil {
		return err
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// remove force-removes run r's container once it exists.
func (in *Instance) remove(ctx context.Context, r *run) error {
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
// (valet dev, a remote engine, a Mac) it keeps its network, and the first
// such start of each class says so.
func (m *Manager) noInternet(class, id string, spec *engine.ContainerSpec, direct bool) {
	src := "container:" + class
	if m.opts.EgressNetwork != "" {
		// Network is the app's internal network already.
		m.opts.Events.Emit(events.Event{Kind: events.Log, Source: src, Level: "info",
			Message: "container of " + class + " " + short(id) + " has no internet access (enableInternet: false; network " + m.opts.Network + ")"})
		return
	}
	if !direct {
		if m.warnOnce("internet:" + class) {
			m.opts.Events.Emit(events.Event{Kind: events.Log, Source: src, Level: "warn",
				Message: "enableInternet: false is not enforced for the containers of " + class + " here: they are reached through published ports, which an internal network has none of (a deployed host enforces it)"})
		}
		return
	}
	spec.Network = engine.InternalNetwork
	m.opts.Events.Emit(events.Event{Kind: events.Log, Source: src, Level: "info",
		Message: "container of " + class + " " + short(id) + " has no internet access (enableInternet: false; network " + engine.InternalNetwork + ")"})
}

// StartOptions are what ctx.container.start() asks for.
type StartOptions struct {
	Env map[string]string
	// Cmd replaces the image's command (CMD) when set: what start()'s
	// entrypoint option does under workerd, which keeps the image's
	// ENTRYPOINT in front of it.
	Cmd []string
	// Image replaces the class's image when set (start()'s image option).
	Image          string
	EnableInternet bool
	Labels         map[string]string
}
