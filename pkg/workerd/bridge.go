package workerd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
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

// Bridge answers one workerd process's calls to valet: its facades asking
// to own an object, ctx.container, and trace events. It listens on a unix
// socket the process's config names as an external service.
type Bridge struct {
	member     *Member
	containers Containers
	trace      func([]TraceItem)

	mu   sync.Mutex
	runs map[objectKey]*containerRun

	srv *http.Server
	ln  net.Listener
}

// containerRun is one start() of an object's container as the bridge saw
// it: its number, and the waiter of that run, taken at start so that an
// exit before the facade asks is not missed.
type containerRun struct {
	generation int
	wait       func(ctx context.Context) error
}

// TraceItem is one invocation that threw, from the tail worker.
type TraceItem struct {
	Outcome    string           `json:"outcome"`
	URL        string           `json:"url"`
	Exceptions []TraceException `json:"exceptions"`
}

// TraceException is an uncaught exception with its stack.
type TraceException struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack"`
}

// BridgeOptions configure a Bridge.
type BridgeOptions struct {
	Socket     string
	Member     *Member
	Containers Containers // nil: no class has containers
	Trace      func([]TraceItem)
}

// NewBridge listens on opts.Socket and serves until Close.
func NewBridge(opts BridgeOptions) (*Bridge, error) {
	ln, err := listenUnix(opts.Socket)
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(true)
	b := &Bridge{member: opts.Member, containers: opts.Containers, trace: opts.Trace, runs: map[objectKey]*containerRun{}, ln: ln}
	if ch, ok := opts.Containers.(ContainerHandoff); ok && opts.Member != nil {
		// Under the object's lock: the next process to ask sees the
		// container state this grant left.
		opts.Member.granted = ch.Handoff
	}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

// Close stops answering; calls in flight are cut.
func (b *Bridge) Close() error { return b.srv.Close() }

// ServeHTTP routes the bridge's calls.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	class, id := q.Get("class"), q.Get("id")
	switch r.URL.Path {
	case "/objects/acquire":
		b.acquire(w, r, class, id)
	case "/objects/adopted":
		if b.member != nil {
			epoch, _ := strconv.ParseUint(q.Get("epoch"), 10, 64)
			b.member.Adopted(class, id, epoch)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	case "/containers/start":
		b.start(w, r, class, id)
	case "/containers/monitor":
		b.monitor(w, r, class, id)
	case "/containers/destroy":
		b.destroy(w, r, class, id)
	case "/containers/signal":
		b.signal(w, r, class, id)
	case "/containers/inactivity":
		writeJSON(w, http.StatusOK, map[string]any{})
	case "/containers/port":
		b.port(w, r, class, id)
	case "/trace":
		b.traced(w, r)
	default:
		writeError(w, http.StatusNotFound, "valet bridge: no such call "+r.URL.Path)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (b *Bridge) instance(class, id string) *containers.Instance {
	if b.containers == nil {
		return nil
	}
	return b.containers.For(class, id)
}

func (b *Bridge) acquire(w http.ResponseWriter, r *http.Request, class, id string) {
	var h Handoff
	if b.member != nil {
		var err error
		if h, err = b.member.Acquire(r.Context(), class, id, r.URL.Query().Get("for") == "alarm"); err != nil {
			writeError(w, http.StatusServiceUnavailable, err.Error())
			return
		}
	}
	out := map[string]any{"epoch": h.Epoch, "handoff": h.Moved, "alarmKnown": h.Known, "alarm": nil}
	if h.Alarm.Set {
		out["alarm"] = h.Alarm.At
	}
	if in := b.instance(class, id); in != nil {
		state := map[string]any{"running": false}
		if in.Running() {
			run := b.adopt(objectKey{class, id}, in)
			state = map[string]any{"running": true, "generation": run.generation}
		}
		out["container"] = state
	}
	writeJSON(w, http.StatusOK, out)
}

// adopt records the run of a container that was already running when its
// object was built (after a reload, or a handoff between versions).
func (b *Bridge) adopt(k objectKey, in *containers.Instance) *containerRun {
	b.mu.Lock()
	defer b.mu.Unlock()
	run := b.runs[k]
	if run == nil {
		run = &containerRun{generation: 1, wait: in.Monitor()}
		b.runs[k] = run
	}
	return run
}

type startBody struct {
	Env            map[string]string `json:"env"`
	Entrypoint     []string          `json:"entrypoint"`
	EnableInternet *bool             `json:"enableInternet"`
	Labels         map[string]string `json:"labels"`
}

func (b *Bridge) start(w http.ResponseWriter, r *http.Request, class, id string) {
	in := b.instance(class, id)
	if in == nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Durable Object class %s has no container: add it to containers[] in the config", class))
		return
	}
	var body startBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "start(): "+err.Error())
		return
	}
	opts := containers.StartOptions{Env: body.Env, Entrypoint: body.Entrypoint, Labels: body.Labels}
	if body.EnableInternet != nil {
		opts.EnableInternet = *body.EnableInternet
	}
	if err := in.Start(opts); err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	k := objectKey{class, id}
	b.mu.Lock()
	gen := 1
	if old := b.runs[k]; old != nil {
		gen = old.generation + 1
	}
	run := &containerRun{generation: gen, wait: in.Monitor()}
	b.runs[k] = run
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"generation": gen})
}

var exitCodeRE = regexp.MustCompile(`exit code: (-?\d+)`)

func (b *Bridge) monitor(w http.ResponseWriter, r *http.Request, class, id string) {
	gen, _ := strconv.Atoi(r.URL.Query().Get("generation"))
	b.mu.Lock()
	run := b.runs[objectKey{class, id}]
	b.mu.Unlock()
	if run == nil || run.generation != gen {
		writeJSON(w, http.StatusOK, map[string]any{"exitCode": 0})
		return
	}
	err := run.wait(r.Context())
	if r.Context().Err() != nil {
		return
	}
	if b.member != nil && !b.member.Holds(class, id) {
		// The object moved to another version, which stopped this
		// container: the instance left behind here must not react to it.
		<-r.Context().Done()
		return
	}
	if err == nil {
		writeJSON(w, http.StatusOK, map[string]any{"exitCode": 0})
		return
	}
	out := map[string]any{"error": err.Error()}
	if m := exitCodeRE.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[1])
		out["exitCode"] = code
	}
	writeJSON(w, http.StatusOK, out)
}

func (b *Bridge) destroy(w http.ResponseWriter, r *http.Request, class, id string) {
	in := b.instance(class, id)
	if in == nil {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	if err := in.Destroy(ctx); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (b *Bridge) signal(w http.ResponseWriter, r *http.Request, class, id string) {
	in := b.instance(class, id)
	sig, err := strconv.Atoi(r.URL.Query().Get("signal"))
	if in == nil || err != nil {
		writeError(w, http.StatusBadRequest, "signal(): no container or no signal")
		return
	}
	if err := in.Signal(sig); err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// port forwards a request to the container's port, WebSocket upgrades
// included. Failures are told in X-Valet-Error, which the shim turns into
// workerd's messages.
func (b *Bridge) port(w http.ResponseWriter, r *http.Request, class, id string) {
	in := b.instance(class, id)
	port, _ := strconv.Atoi(r.URL.Query().Get("port"))
	target, err := url.Parse(r.Header.Get("X-Valet-Url"))
	if in == nil || port <= 0 || err != nil {
		w.Header().Set("X-Valet-Error", "no container or port")
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if !in.Running() {
		w.Header().Set("X-Valet-Error", "not-running")
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	out := r.Clone(r.Context())
	out.Header.Del("X-Valet-Url")
	out.URL = target
	out.Host = target.Host
	out.RequestURI = ""
	resp, err := in.Transport(port).RoundTrip(out)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "not listening") {
			msg = "not-listening"
		}
		w.Header().Set("X-Valet-Error", msg)
		w.WriteHeader(http.StatusBadGateway)
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
	_ = copyBody(w, resp.Body)
}

// spliceUpgrade hands the client connection to an upgraded response whose
// body is the container's end of the connection.
func spliceUpgrade(w http.ResponseWriter, resp *http.Response) {
	rwc, ok := resp.Body.(io.ReadWriteCloser)
	hj, ok2 := w.(http.Hijacker)
	if !ok || !ok2 {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer client.Close()
	buf.WriteString("HTTP/1.1 101 Switching Protocols\r\n")
	for k, vs := range resp.Header {
		for _, v := range vs {
			writeHeader(buf.Writer, k, v)
		}
	}
	buf.WriteString("\r\n")
	if err := buf.Flush(); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(rwc, buf); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, rwc); done <- struct{}{} }()
	<-done
}

func (b *Bridge) traced(w http.ResponseWriter, r *http.Request) {
	var items []TraceItem
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&items); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if b.trace != nil {
		b.trace(items)
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func urlQuery(s string) string { return url.QueryEscape(s) }
