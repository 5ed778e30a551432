package workerd

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/containers"
)

// Bridge answers one workerd process's calls to valet: its facades asking
// to own an object, and ctx.container. It listens on a unix
// socket the process's config names as an external service.
type Bridge struct {
	member     *Member
	containers Containers

	tokens objectTokens
	starts startCounts

	srv *http.Server
	ln  net.Listener
}

// BridgeOptions configure a Bridge.
type BridgeOptions struct {
	Socket     string
	Member     *Member
	Containers Containers // nil: no class has containers
}

// NewBridge listens on opts.Socket and serves until Close.
func NewBridge(opts BridgeOptions) (*Bridge, error) {
	ln, err := listenUnix(opts.Socket)
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(true)
	b := &Bridge{member: opts.Member, containers: opts.Containers, ln: ln}
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
	if r.Method == http.MethodConnect || strings.HasPrefix(r.URL.Path, "/containers/") {
		b.container(w, r)
		return
	}
	switch r.URL.Path {
	case "/objects/acquire":
		b.acquire(w, r, class, id)
	case "/objects/adopted":
		if b.member != nil {
			epoch, _ := strconv.ParseUint(q.Get("epoch"), 10, 64)
			b.member.Adopted(class, id, epoch)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
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
		// The facade builds ctx.container from this before the user's
		// constructor runs: running is right there, and a container that
		// outlived the object's previous life (a reload, a handoff) is
		// watched as its own.
		b.starts.saw(objectKey{class, id}, 0)
		run, running := in.Current()
		out["container"] = map[string]any{"running": running, "run": run, "token": b.tokens.add(class, id)}
	}
	writeJSON(w, http.StatusOK, out)
}

func urlQuery(s string) string { return url.QueryEscape(s) }
