package workerd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/containers"
)

// Containers gives a Durable Object its container (nil when its class has
// none). *containers.Manager implements it.
type Containers interface {
	For(class, id string) *containers.Instance
}

// ContainerHandoff is Containers shared by versions (a deployed edge): as
// an object is granted to a process, the containers it has from another
// version's image are stopped, so that one runs at most.
type ContainerHandoff interface {
	Handoff(ctx context.Context, class, id string) error
}

// The bridge's side of ctx.container (js/rt.js, class ValetContainer, is
// the other): workerd's local container client semantics, on valet's
// container manager. Calls name the object in the query (class, id); each
// start() is a numbered run, which monitor long-polls:
//
//	POST /containers/start      {env, entrypoint, enableInternet, labels, image} → {run}
//	POST /containers/monitor    ?run=N → {exitCode} or {error}, once run N ended
//	POST /containers/destroy    → {} once the container is gone
//	POST /containers/signal     ?signal=N
//	POST /containers/inactivity ?ms=N
//	*    /containers/port       ?port=N, X-Valet-Url: the request's URL → the
//	                            container's answer (upgrades spliced), or 502
//	                            with X-Valet-Error naming the failure
//	CONNECT <token>.valet:<port>  a raw TCP connection (connect()); the token,
//	                            from /objects/acquire, names the object

// cloudflareEnv is the environment workerd's local container client adds
// to every container, after the app's own (so these win): placeholders for
// what Cloudflare sets in production.
var cloudflareEnv = map[string]string{
	"CLOUDFLARE_COUNTRY_A2":        "XX",
	"CLOUDFLARE_DEPLOYMENT_ID":     "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
	"CLOUDFLARE_LOCATION":          "loc01",
	"CLOUDFLARE_REGION":            "REGN",
	"CLOUDFLARE_APPLICATION_ID":    "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
	"CLOUDFLARE_DURABLE_OBJECT_ID": strings.Repeat("x", 64),
}

// Port failures, as X-Valet-Error tells them to the shim, which throws
// workerd's Error for each.
const (
	portNotStarted   = "not-started"   // "connect(): Container ingress proxy is not running."
	portNotListening = "not-listening" // "Container is not listening to port N"
	portLost         = "lost"          // "Network connection lost."
	portFailed       = "failed"        // the message is in the body
)

// container routes the calls of ctx.container.
func (b *Bridge) container(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		b.connect(w, r)
		return
	}
	q := r.URL.Query()
	class, id := q.Get("class"), q.Get("id")
	in := b.instance(class, id)
	if in == nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Durable Object class %s has no container: add it to containers[] in the config", class))
		return
	}
	switch r.URL.Path {
	case "/containers/start":
		b.start(w, r, in)
	case "/containers/monitor":
		b.monitor(w, r, in)
	case "/containers/destroy":
		ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
		defer cancel()
		if err := in.Destroy(ctx); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case "/containers/signal":
		sig, err := strconv.Atoi(q.Get("signal"))
		if err == nil {
			err = in.Signal(sig)
		}
		if err != nil {
			writeError(w, http.StatusConflict, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case "/containers/inactivity":
		// workerd keeps a container this long after its object left memory;
		// valet keeps it until it exits or is stopped, or the session ends.
		writeJSON(w, http.StatusOK, map[string]any{})
	case "/containers/port":
		port, err := strconv.Atoi(q.Get("port"))
		if err != nil || port <= 0 || port > 65535 {
			portFail(w, portFailed, "Invalid port number: "+q.Get("port"))
			return
		}
		b.port(w, r, in, port)
	default:
		writeError(w, http.StatusNotFound, "valet bridge: no such call "+r.URL.Path)
	}
}

type startBody struct {
	Env            map[string]string `json:"env"`
	Entrypoint     []string          `json:"entrypoint"`
	EnableInternet bool              `json:"enableInternet"`
	Labels         map[string]string `json:"labels"`
	Image          string            `json:"image"`
	// Seq numbers the start() calls of the object since it was built
	// (acquired): connect() waits for them (see startCounts).
	Seq int `json:"seq"`
}

func (b *Bridge) start(w http.ResponseWriter, r *http.Request, in *containers.Instance) {
	var body startBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "start(): "+err.Error())
		return
	}
	env := map[string]string{}
	maps.Copy(env, body.Env)
	maps.Copy(env, cloudflareEnv)
	q := r.URL.Query()
	defer b.starts.saw(objectKey{q.Get("class"), q.Get("id")}, body.Seq)
	run, err := in.Start(r.Context(), containers.StartOptions{
		Env: env, Cmd: body.Entrypoint, Image: body.Image, EnableInternet: body.EnableInternet, Labels: body.Labels,
	})
	if err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": run})
}

// monitor answers once the run ended: its exit code, or (a container that
// never ran) workerd's "Container failed to start"; valet's events carry
// the reason.
func (b *Bridge) monitor(w http.ResponseWriter, r *http.Request, in *containers.Instance) {
	n, _ := strconv.Atoi(r.URL.Query().Get("run"))
	exit, err := in.Wait(r.Context(), n)
	if r.Context().Err() != nil {
		return
	}
	if q := r.URL.Query(); b.member != nil && !b.member.Holds(q.Get("class"), q.Get("id")) {
		// The object moved to another version, which stopped this run: the
		// instance left behind here must not react to it.
		<-r.Context().Done()
		return
	}
	switch {
	case err != nil:
		writeJSON(w, http.StatusOK, map[string]any{"error": "Container failed to start"})
	case exit.Err != nil:
		writeJSON(w, http.StatusOK, map[string]any{"error": "Container failed to start"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"exitCode": exit.Code})
	}
}

// port forwards a request to the container's port, WebSocket upgrades
// included.
func (b *Bridge) port(w http.ResponseWriter, r *http.Request, in *containers.Instance, port int) {
	target, err := url.Parse(r.Header.Get("X-Valet-Url"))
	if err != nil || target.Host == "" {
		portFail(w, portFailed, "valet bridge: no URL for the container's port")
		return
	}
	out := r.Clone(r.Context())
	out.Header.Del("X-Valet-Url")
	out.URL = target
	out.Host = target.Host
	out.RequestURI = ""
	if r.ContentLength == 0 {
		out.Body = nil
	}
	resp, err := in.RoundTrip(out, port)
	if err != nil {
		switch {
		case errors.Is(err, containers.ErrNotStarted):
			portFail(w, portNotStarted, err.Error())
		case errors.Is(err, containers.ErrNotRunning), errors.Is(err, containers.ErrNotListening):
			portFail(w, portNotListening, err.Error())
		case errors.Is(err, containers.ErrConnectionLost):
			portFail(w, portLost, err.Error())
		default:
			portFail(w, portFailed, err.Error())
		}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		spliceUpgrade(w, resp)
		return
	}
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	if err := copyBody(w, resp.Body, make([]byte, 32<<10)); err != nil && r.Context().Err() == nil {
		// The container dropped the connection mid-answer: cut ours too, so
		// that the worker reading the body sees the connection lost.
		panic(http.ErrAbortHandler)
	}
}

func portFail(w http.ResponseWriter, code, msg string) {
	w.Header().Set("X-Valet-Error", code)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, msg)
}

// spliceUpgrade hands the client connection to an upgraded response whose
// body is the container's end of the connection.
func spliceUpgrade(w http.ResponseWriter, resp *http.Response) {
	rwc, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		portFail(w, portFailed, "valet bridge: the container's upgrade cannot be spliced")
		return
	}
	client, buf, ok := hijack(w, func(b *bufio.Writer) {
		b.WriteString("HTTP/1.1 101 Switching Protocols\r\n")
		for k, vs := range resp.Header {
			for _, v := range vs {
				writeHeader(b, k, v)
			}
		}
		b.WriteString("\r\n")
	})
	if !ok {
		return
	}
	defer client.Close()
	pipe(client, buf, rwc)
}

// hijack takes the client connection over and writes head (a response's
// status line and headers) to it.
func hijack(w http.ResponseWriter, head func(*bufio.Writer)) (net.Conn, io.Reader, bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "valet bridge: cannot take the connection over", http.StatusInternalServerError)
		return nil, nil, false
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		return nil, nil, false
	}
	head(buf.Writer)
	if err := buf.Flush(); err != nil {
		_ = client.Close()
		return nil, nil, false
	}
	return client, buf, true
}

// pipe copies both ways between the client connection (read through buf,
// which may hold bytes already read) and the container's, until either
// side is done; then both close.
func pipe(client net.Conn, buf io.Reader, upstream io.ReadWriteCloser) {
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, buf); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, upstream); done <- struct{}{} }()
	<-done
	_ = upstream.Close()
}

// connect answers getTcpPort(p).connect(): workerd sends a CONNECT for
// <token>.valet:<port>, where the token (from acquire) names the object.
func (b *Bridge) connect(w http.ResponseWriter, r *http.Request) {
	host, p, err := net.SplitHostPort(r.Host)
	port, perr := strconv.Atoi(p)
	tok, seq, _ := strings.Cut(strings.TrimSuffix(host, ".valet"), "-")
	n, serr := strconv.Atoi(seq)
	var in *containers.Instance
	k, ok := b.tokens.get(tok)
	if ok && err == nil && perr == nil && serr == nil {
		in = b.instance(k.class, k.id)
	}
	if in == nil {
		http.Error(w, "valet bridge: no container for "+r.Host, http.StatusBadGateway)
		return
	}
	if err := b.starts.wait(r.Context(), k, n); err != nil {
		return
	}
	conn, err := in.Dial(r.Context(), port)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer conn.Close()
	client, buf, ok := hijack(w, func(b *bufio.Writer) { b.WriteString("HTTP/1.1 200 OK\r\n\r\n") })
	if !ok {
		return
	}
	defer client.Close()
	pipe(client, buf, conn)
}

// objectTokens name objects in CONNECT requests, whose host must be a host
// name: one random token per object the bridge was asked about.
type objectTokens struct {
	mu      sync.Mutex
	byKey   map[objectKey]string
	byToken map[string]objectKey
}

func (t *objectTokens) add(class, id string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := objectKey{class, id}
	if tok, ok := t.byKey[k]; ok {
		return tok
	}
	if t.byKey == nil {
		t.byKey, t.byToken = map[objectKey]string{}, map[string]objectKey{}
	}
	tok := NewToken()
	t.byKey[k], t.byToken[tok] = tok, k
	return tok
}

func (t *objectTokens) get(tok string) (objectKey, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k, ok := t.byToken[tok]
	return k, ok
}

// startCounts is how many start() calls of each object (since it was last
// built) reached the bridge. A connect() is sent at once, beside the start()
// before it, so the bridge makes it wait for that start.
type startCounts struct {
	mu      sync.Mutex
	seen    map[objectKey]int
	changed chan struct{} // closed and replaced on every change
}

func (c *startCounts) lock() {
	c.mu.Lock()
	if c.seen == nil {
		c.seen, c.changed = map[objectKey]int{}, make(chan struct{})
	}
}

// saw records start n of k (0: the object was built anew).
func (c *startCounts) saw(k objectKey, n int) {
	c.lock()
	defer c.mu.Unlock()
	if n == 0 || n > c.seen[k] {
		c.seen[k] = n
		close(c.changed)
		c.changed = make(chan struct{})
	}
}

// wait returns once start n of k was seen.
func (c *startCounts) wait(ctx context.Context, k objectKey, n int) error {
	for {
		c.lock()
		seen, changed := c.seen[k], c.changed
		c.mu.Unlock()
		if seen >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
