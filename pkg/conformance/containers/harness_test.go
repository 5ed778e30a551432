package containers

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devserver"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testfs"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

func TestMain(m *testing.M) { enginetest.Main(m) }

// testdata is the repo's testdata directory.
const testdata = "../../../testdata"

// project is an app the tests run: a copy of a fixture, with the static Go
// programs its Dockerfiles copy compiled into it, and the engine it uses.
type project struct {
	dir string
	e   *engine.Engine
}

// fixture copies testdata/<name> and compiles into it each Go program of
// programs (destination in the copy → source directory in testdata).
func fixture(t testing.TB, name string, programs map[string]string) *project {
	t.Helper()
	e := enginetest.Connect(t)
	p := &project{dir: testfs.Fixture(t, filepath.Join(testdata, name)), e: e}
	for dst, src := range programs {
		goBuild(t, filepath.Join(testdata, src), filepath.Join(p.dir, dst))
	}
	return p
}

// goBuild compiles the main package in src, static, to out.
func goBuild(t testing.TB, src, out string) {
	t.Helper()
	abs, err := filepath.Abs(out)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", abs, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compile %s: %v\n%s", src, err, b)
	}
}

// load reads the project's config (configFile "" finds it).
func (p *project) load(t testing.TB, configFile string) *config.Project {
	t.Helper()
	cp, err := config.Load(config.LoadOptions{Dir: p.dir, Path: configFile})
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// server is where an app answers: valet dev, or workerd itself.
type server struct {
	url    string
	events *eventLog // valet dev's events (nil for workerd)
}

// dev runs `valet dev` on the project until the test ends, then checks
// that it stopped cleanly and left no container behind.
func (p *project) dev(t testing.TB, flags ...func(*devserver.Options)) *server {
	t.Helper()
	cp := p.load(t, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{url: "http://" + ln.Addr().String(), events: newEventLog()}
	opts := devserver.Options{
		Project: cp, Listener: ln, Events: events.NewEmitter(s.events),
		Workerd: workerdtest.Binary(t), PersistTo: filepath.Join(t.TempDir(), "state"),
	}
	for _, f := range flags {
		f(&opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- devserver.Run(ctx, opts) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("valet dev: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Error("valet dev did not stop 40s after its context ended")
		}
		if n := p.containers(t, cp.Config.Name); n != 0 {
			t.Errorf("valet dev left %d container(s) of %s", n, cp.Config.Name)
		}
	})
	select {
	case <-s.events.wait(func(e events.Event) bool { return e.Kind == events.Ready }):
	case err := <-done:
		t.Fatalf("valet dev ended before it was ready: %v\n%s", err, s.events)
	case <-time.After(2 * time.Minute):
		t.Fatalf("valet dev not ready after 2 minutes\n%s", s.events)
	}
	return s
}

// containers counts the containers of app on the engine.
func (p *project) containers(t testing.TB, app string) int {
	t.Helper()
	l, err := p.e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: app})
	if err != nil {
		t.Fatal(err)
	}
	return len(l)
}

// running counts the running containers of app.
func (p *project) running(t testing.TB, app string) int {
	t.Helper()
	l, err := p.e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: app})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range l {
		if c.Running() {
			n++
		}
	}
	return n
}

// response is an answer read whole.
type response struct {
	status int
	body   string
}

var httpClient = &http.Client{
	Timeout:       time.Minute,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (s *server) do(t testing.TB, method, path string) response {
	t.Helper()
	r, err := s.try(method, path)
	if err != nil {
		t.Fatalf("%s %s: %v%s", method, path, err, s.events)
	}
	return r
}

// try is do that returns a failed exchange (workerd closes the client's
// connection when the worker throws a disconnection, such as "Container is
// not listening to port N").
func (s *server) try(method, path string) (response, error) {
	req, err := http.NewRequest(method, s.url+path, nil)
	if err != nil {
		return response{}, err
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{res.StatusCode, string(b)}, nil
}

func (s *server) get(t testing.TB, path string) response {
	t.Helper()
	return s.do(t, http.MethodGet, path)
}

// text GETs path and wants a 200.
func (s *server) text(t testing.TB, path string) string {
	t.Helper()
	r := s.get(t, path)
	if r.status != 200 {
		t.Fatalf("GET %s = %d %q%s", path, r.status, r.body, s.events)
	}
	return r.body
}

// json GETs path and decodes its answer.
func (s *server) json(t testing.TB, path string) any {
	t.Helper()
	body := s.text(t, path)
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("GET %s: %v in %q", path, err, body)
	}
	return v
}

// hostRE matches what differs between two runs of one container: its host
// name (the container's ID).
var hostRE = regexp.MustCompile(`\b[0-9a-f]{12}\b`)

// normal is a body with the container host names blanked.
func normal(s string) string { return hostRE.ReplaceAllString(s, "<host>") }

// eventLog is a sink that keeps valet dev's events and wakes waiters.
type eventLog struct {
	mu      sync.Mutex
	list    []events.Event
	changed chan struct{}
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

func (l *eventLog) Emit(e events.Event) {
	l.mu.Lock()
	l.list = append(l.list, e)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// wait returns a channel closed once an event matching ok was emitted
// (before the call or after).
func (l *eventLog) wait(ok func(events.Event) bool) <-chan struct{} {
	out := make(chan struct{})
	go func() {
		for seen := 0; ; {
			l.mu.Lock()
			list, changed := l.list[seen:], l.changed
			seen = len(l.list)
			l.mu.Unlock()
			for _, e := range list {
				if ok(e) {
					close(out)
					return
				}
			}
			<-changed
		}
	}()
	return out
}

// await waits up to a minute for an event matching ok.
func (l *eventLog) await(t testing.TB, what string, ok func(events.Event) bool) {
	t.Helper()
	select {
	case <-l.wait(ok):
	case <-time.After(time.Minute):
		t.Fatalf("no %s after a minute%s", what, l)
	}
}

// awaitCount waits up to a minute for n events matching ok in all.
func (l *eventLog) awaitCount(t testing.TB, what string, ok func(events.Event) bool, n int) {
	t.Helper()
	seen := 0
	deadline := time.After(time.Minute)
	select {
	case <-l.wait(func(e events.Event) bool {
		if ok(e) {
			seen++
		}
		return seen >= n
	}):
	case <-deadline:
		t.Fatalf("%d of %d: %s, after a minute%s", l.count(ok), n, what, l)
	}
}

// all is the events so far.
func (l *eventLog) all() []events.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]events.Event(nil), l.list...)
}

// count counts the events matching ok so far.
func (l *eventLog) count(ok func(events.Event) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.list {
		if ok(e) {
			n++
		}
	}
	return n
}

// String is the log, for failure messages ("" for workerd's server).
func (l *eventLog) String() string {
	if l == nil {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	b.WriteString("\nvalet dev's events:\n")
	for _, e := range l.list {
		b.WriteString("  " + string(e.Kind) + " " + e.Step + " " + e.Source + " " + e.Class + " " + e.State + " " + e.Message + " " + e.Error + "\n")
	}
	return b.String()
}
