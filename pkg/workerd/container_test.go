package workerd_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	. "github.com/valet-dev/valet/pkg/workerd"
)

// fakeBridge answers a process's bridge calls for one object whose
// container is never running at first; start() is held a while, to see
// whether anything reaches the container before the start was answered.
type fakeBridge struct {
	mu        sync.Mutex
	started   bool     // the start was answered
	early     []string // calls that came while the start was held
	portCalls chan struct{}
}

func (f *fakeBridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	switch r.URL.Path {
	case "/objects/acquire":
		_ = json.NewEncoder(w).Encode(map[string]any{"container": map[string]any{"running": false, "run": 0, "token": "t"}})
	case "/containers/start":
		// Hold the start: a port call that comes meanwhile was sent
		// before the start was answered. (Without one, the hold ends.)
		select {
		case <-f.portCalls:
		case <-time.After(500 * time.Millisecond):
		}
		f.mu.Lock()
		f.started = true
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"run": 1})
	case "/containers/port":
		f.mu.Lock()
		if !f.started {
			f.early = append(f.early, r.URL.Path)
		}
		f.mu.Unlock()
		select {
		case f.portCalls <- struct{}{}:
		default:
		}
		_, _ = io.WriteString(w, "from the container")
	case "/containers/monitor":
		<-r.Context().Done()
	}
}

// TestPortWaitsForStart: a getTcpPort().fetch made right after start()
// reaches valet only once the start was answered, as workerd's container
// client orders a port after the start before it. (The shim sent both at
// once, and under load the bridge could serve the port first: a 500 after
// a restart in valet dev.)
func TestPortWaitsForStart(t *testing.T) {
	sock, err := ShortDir("b")
	if err != nil {
		t.Fatal(err)
	}
	bridgeSock := filepath.Join(sock, "bridge.sock")
	ln, err := net.Listen("unix", bridgeSock)
	if err != nil {
		t.Fatal(err)
	}
	fb := &fakeBridge{portCalls: make(chan struct{}, 1)}
	srv := &http.Server{Handler: fb}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	_, px := startApp(t, `import { DurableObject } from "cloudflare:workers";
export class Box extends DurableObject {
  async fetch() {
    const c = this.ctx.container;
    c.start();
    const r = await c.getTcpPort(8080).fetch("http://container/");
    return new Response(await r.text());
  }
}
export default { fetch(req, env) { return env.BOX.getByName("one").fetch(req); } };`,
		[]FacadeClass{{Name: "Box", Container: true}}, func(c *Config) {
			c.Bridge = bridgeSock
			c.DurableObjects = []DurableObjectClass{{Class: "Box", UniqueKey: "test-Box", SQL: true}}
			c.Bindings = append(c.Bindings, Binding{Name: "BOX", Member: "durableObjectNamespace", Value: NewStruct().Text("className", "Box").String()})
		})
	resp, body := get(t, px, "GET", "/", nil)
	if resp.StatusCode != 200 || body != "from the container" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.early) > 0 {
		t.Errorf("%v reached the bridge before start() was answered", fb.early)
	}
}
