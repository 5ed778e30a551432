package containers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// Why a container's port could not be reached. Callers tell them apart
// with errors.Is; the errors say more (which port, which container).
var (
	// ErrNotStarted: the object's container was never started.
	ErrNotStarted = errors.New("the container was never started")
	// ErrNotRunning: its container is not running (it exited or was
	// stopped, or failed to start).
	ErrNotRunning = errors.New("the container is not running")
	// ErrNotListening: the container runs, but nothing accepts connections
	// on the port (yet). It fails at once: callers poll, as
	// @cloudflare/containers' waitForPort does.
	ErrNotListening = errors.New("nothing listens on the container's port")
	// ErrConnectionLost: the container closed or reset the connection
	// before it answered in full.
	ErrConnectionLost = errors.New("the container dropped the connection")
)

// portHost is the host of the URLs portClient's transport sees: the port
// is the container's, the name a placeholder that dial resolves.
const portHost = "container"

// portClient reaches the ports of one run: one keep-alive pool per run,
// closed with it, so that a restarted container never gets a connection
// meant for its predecessor.
type portClient struct {
	in *Instance
	r  *run
	t  *http.Transport
}

func newPortClient(in *Instance, r *run) *portClient {
	p := &portClient{in: in, r: r}
	p.t = &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			n, err := strconv.Atoi(port)
			if err != nil {
				return nil, fmt.Errorf("container port %q: %w", port, err)
			}
			return in.dial(ctx, r, n)
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return p
}

func (p *portClient) close() { p.t.CloseIdleConnections() }

// RoundTrip sends req to the container's TCP port: plain HTTP over a
// pooled connection, or an upgrade, whose 101 response's body is the
// connection (an io.ReadWriteCloser). req's Host header is kept; its URL
// only says the path. Failures wrap ErrNotStarted, ErrNotRunning,
// ErrNotListening or ErrConnectionLost.
func (in *Instance) RoundTrip(req *http.Request, port int) (*http.Response, error) {
	r := in.current()
	if r == nil {
		closeBody(req)
		return nil, fmt.Errorf("port %d of %s %s: %w", port, in.class, short(in.id), ErrNotStarted)
	}
	if r.isDone() {
		closeBody(req)
		return nil, in.portErr(r, port, ErrNotRunning)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = "http"
	out.URL.Host = net.JoinHostPort(portHost, strconv.Itoa(port))
	if out.Host == "" {
		out.Host = req.URL.Host
	}
	out.RequestURI = ""
	res, err := r.http.t.RoundTrip(out)
	if err == nil {
		return res, nil
	}
	if ctxErr := req.Context().Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if errors.Is(err, ErrNotRunning) || errors.Is(err, ErrNotListening) {
		return nil, err
	}
	return nil, in.lost(req.Context(), r, port, err)
}

// lost classifies a connection that failed before the answer was complete.
// Behind dockerd's userland proxy a port nothing listens on still accepts,
// then closes: only a second look tells that from a container that dropped
// the connection.
func (in *Instance) lost(ctx context.Context, r *run, port int, err error) error {
	if r.isDone() {
		return in.portErr(r, port, fmt.Errorf("%w (it exited): %v", ErrConnectionLost, err))
	}
	in.mu.Lock()
	a, known := r.ports[port]
	in.mu.Unlock()
	if known && !in.listening(ctx, r, port, a) {
		return in.portErr(r, port, ErrNotListening)
	}
	return in.portErr(r, port, fmt.Errorf("%w: %v", ErrConnectionLost, err))
}

// Dial opens a TCP connection to the container's port (getTcpPort().connect).
// Behind the proxy it first checks that something listens, so that a port
// nothing listens on fails here, as it does on a direct address.
func (in *Instance) Dial(ctx context.Context, port int) (net.Conn, error) {
	r := in.current()
	if r == nil {
		return nil, fmt.Errorf("port %d of %s %s: %w", port, in.class, short(in.id), ErrNotStarted)
	}
	c, viaProxy, err := in.dialVia(ctx, r, port)
	if err != nil {
		return nil, err
	}
	in.mu.Lock()
	a := r.ports[port]
	in.mu.Unlock()
	if viaProxy && !in.listening(ctx, r, port, a) {
		_ = c.Close()
		return nil, in.portErr(r, port, ErrNotListening)
	}
	return c, nil
}

// dial connects to run r's port, once the container was started.
func (in *Instance) dial(ctx context.Context, r *run, port int) (net.Conn, error) {
	c, _, err := in.dialVia(ctx, r, port)
	return c, err
}

// dialVia is dial that also says whether the connection goes through
// dockerd's proxy, which accepts whether or not the container listens.
func (in *Instance) dialVia(ctx context.Context, r *run, port int) (net.Conn, bool, error) {
	select {
	case <-r.started:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	if r.err != nil || r.isDone() {
		return nil, false, in.portErr(r, port, ErrNotRunning)
	}
	a, err := in.addr(ctx, r, port)
	if err != nil {
		return nil, false, err
	}
	direct := a.Direct
	c, viaProxy, err := a.Dial(ctx, 5*time.Second)
	if a.Direct != direct {
		// The container's network is out of this host's reach: dial the
		// published ports of every container from now on.
		in.m.noDirect.Store(true)
		in.mu.Lock()
		r.ports[port] = a
		in.mu.Unlock()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		if r.isDone() {
			return nil, false, in.portErr(r, port, ErrNotRunning)
		}
		return nil, false, in.portErr(r, port, fmt.Errorf("%w: %v", ErrNotListening, err))
	}
	return c, viaProxy, nil
}

// addr is where run r's port answers from here (asked of the engine once
// per run and port).
func (in *Instance) addr(ctx context.Context, r *run, port int) (engine.PortAddress, error) {
	in.mu.Lock()
	a, ok := r.ports[port]
	in.mu.Unlock()
	if ok {
		return a, nil
	}
	a, err := in.m.opts.Engine.PortAddr(ctx, r.cid, port)
	if in.m.noDirect.Load() {
		a.Direct = ""
	}
	if err != nil {
		if r.isDone() {
			return engine.PortAddress{}, in.portErr(r, port, ErrNotRunning)
		}
		// The worker only sees workerd's "not listening": say why here.
		hint := fmt.Sprintf("port %d of the containers of %s cannot be reached from here: valet reaches a container's ports through those its image EXPOSEs; add EXPOSE %d to the Dockerfile", port, in.class, port)
		if in.m.warnOnce(fmt.Sprintf("port:%s:%d", in.class, port)) {
			in.m.opts.Events.Emit(events.Event{Kind: events.Log, Source: "container:" + in.class, Level: "warn", Message: hint})
		}
		return engine.PortAddress{}, fmt.Errorf("%w: %s (%v)", ErrNotListening, hint, err)
	}
	in.mu.Lock()
	r.ports[port] = a
	in.mu.Unlock()
	return a, nil
}

// listening tells whether something listens on run r's port at a, and
// keeps what the check learnt for the next one.
func (in *Instance) listening(ctx context.Context, r *run, port int, a engine.PortAddress) bool {
	ok := a.Listening(ctx)
	in.mu.Lock()
	r.ports[port] = a
	in.mu.Unlock()
	return ok
}

func (in *Instance) portErr(r *run, port int, err error) error {
	return fmt.Errorf("port %d of %s %s (run %d): %w", port, in.class, short(in.id), r.n, err)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
