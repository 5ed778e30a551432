package devserver

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The live reload client is served by valet dev itself, under a prefix no
// app route is expected to use; the edge never sees these requests.
const (
	reloadPrefix = "/__valet/"
	reloadPath   = reloadPrefix + "reload"
	clientPath   = reloadPrefix + "client.js"
	depsPrefix   = reloadPrefix + "deps/"
	// clientTag goes before </body> of every HTML entry in dev builds only.
	clientTag = `<script type="module" src="` + clientPath + `"></script>`
)

//go:embed livereload.js
var clientJS []byte

// Live reload messages, as SSE event names.
const (
	msgHello  = "hello"  // data: the session id; a new id after a reconnect means valet dev restarted
	msgReload = "reload" // reload the page
	msgCSS    = "css"    // data: JSON list of new stylesheet paths; swap them in place
	msgHot    = "hot"    // data: JSON hotUpdate; import the modules again, Fast Refresh
	msgError  = "error"  // data: JSON buildError; show the overlay
	msgOK     = "ok"     // the build is good again; drop the overlay
)

// buildError is what the overlay shows.
type buildError struct {
	Title    string `json:"title"`    // the step: "frontend", "worker", "custom build", "config"
	Headline string `json:"headline"` // what the page says: "worker build failed"
	Text     string `json:"text"`     // file:line:col: message and code frame
}

func newBuildError(step string, err error) buildError {
	return buildError{Title: step, Headline: headline(step), Text: err.Error()}
}

// headline says what failed, with "build" once: the bundles are "frontend
// build" and "worker build", while "custom build" and "build" already say it,
// and the other steps (config, start, images) are not builds.
func headline(step string) string {
	switch step {
	case "frontend", "worker":
		return step + " build failed"
	case "":
		return "build failed"
	}
	return step + " failed"
}

type message struct {
	event, data string
}

// hub fans live reload messages out to every page that listens. A page
// that connects while a build is broken gets the error at once.
type hub struct {
	session string
	closed  chan struct{} // the dev server stops: end every stream
	once    sync.Once

	mu      sync.Mutex
	clients map[chan message]struct{}
	broken  []buildError // the current failures, shown as one overlay
}

func newHub() *hub {
	return &hub{session: strconv.FormatInt(time.Now().UnixNano(), 36), clients: map[chan message]struct{}{}, closed: make(chan struct{})}
}

// close ends every stream, so that the server's graceful shutdown does not
// wait for pages that would listen forever.
func (h *hub) close() { h.once.Do(func() { close(h.closed) }) }

// send delivers m to every client; a client too slow to take it misses it
// rather than stalling the rebuild (it is 16 messages behind anyway).
func (h *hub) send(m message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c <- m:
		default:
		}
	}
}

// fail records the failures of the last rebuild and shows them; an empty
// list clears the overlay.
func (h *hub) fail(errs []buildError) {
	h.mu.Lock()
	wasBroken := len(h.broken) > 0
	h.broken = errs
	h.mu.Unlock()
	switch {
	case len(errs) > 0:
		h.send(message{msgError, errorData(errs)})
	case wasBroken:
		h.send(message{event: msgOK})
	}
}

func errorData(errs []buildError) string {
	b, _ := json.Marshal(errs)
	return string(b)
}

// clients returns how many pages listen (tests, the dashboard).
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// ServeHTTP is the SSE stream of one page.
func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	c := make(chan message, 16)
	h.mu.Lock()
	h.clients[c] = struct{}{}
	broken := h.broken
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.clients, c)
		h.mu.Unlock()
	}()
	// retry: reconnect fast after valet dev restarts.
	if err := writeEvent(w, message{msgHello, h.session}, "retry: 300\n"); err != nil {
		return
	}
	if len(broken) > 0 {
		if err := writeEvent(w, message{msgError, errorData(broken)}, ""); err != nil {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	// A comment now and then keeps proxies and idle timeouts from cutting the stream.
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.closed:
			return
		case m := <-c:
			if writeEvent(w, m, "") != nil || rc.Flush() != nil {
				return
			}
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

func writeEvent(w http.ResponseWriter, m message, prefix string) error {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("event: " + m.event + "\n")
	for _, line := range strings.Split(m.data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	_, err := w.Write([]byte(b.String()))
	return err
}

// reloadHandler serves the live reload endpoints and sends everything else
// to next (the edge).
func reloadHandler(l *live, next http.Handler) http.Handler {
	h := l.hub
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, reloadPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		switch r.URL.Path {
		case reloadPath:
			h.ServeHTTP(w, r)
		case clientPath:
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Write(clientJS)
		case refreshPath:
			js, _ := l.refreshJS.Load().([]byte)
			if js == nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Write(js)
		default:
			if strings.HasPrefix(r.URL.Path, depsPrefix) && l.depsDir != "" {
				serveDep(w, r, l.depsDir)
				return
			}
			next.ServeHTTP(w, r)
		}
	})
}

// serveDep serves a file of the dependency pre-bundle. The names do not
// change with the content (a new pre-bundle reloads the page), so the
// browser asks again each time; 304s keep that cheap.
func serveDep(w http.ResponseWriter, r *http.Request, dir string) {
	name := strings.TrimPrefix(r.URL.Path, depsPrefix)
	if name == "" || strings.Contains(name, "/") || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFile(w, r, filepath.Join(dir, name))
}
