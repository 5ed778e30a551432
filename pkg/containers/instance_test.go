package containers

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

func TestMain(m *testing.M) { enginetest.Main(m) }

// The engine side of ctx.container, on a real engine: numbered runs and
// their exits, and a port's failures told apart (what the bridge turns into
// workerd's messages). pkg/conformance/containers runs the same through
// valet dev and workerd.

func newManager(t *testing.T, max int) (*Manager, *events.Recorder) {
	t.Helper()
	e := enginetest.Connect(t)
	img := enginetest.GoImage(t, e, "durable-server", "../../testdata/durable/server")
	rec := &events.Recorder{}
	app := "ctest" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	m := New(Options{Engine: e, App: app, Session: enginetest.Labels(t)[engine.LabelSession], Dev: true,
		Classes: map[string]Class{"Box": {Image: img, MaxInstances: max}}, Events: events.NewEmitter(rec)})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		if l, _ := e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: app}); len(l) != 0 {
			t.Errorf("left after close: %+v", l)
		}
	})
	return m, rec
}

func get(in *Instance, path string) (string, error) {
	req, _ := http.NewRequest("GET", "http://container"+path, nil)
	res, err := in.RoundTrip(req, 8080)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

// waitListening polls the port until it answers.
func waitListening(t *testing.T, in *Instance) string {
	t.Helper()
	for i := 0; ; i++ {
		b, err := get(in, "/ready")
		if err == nil {
			return b
		}
		if !errors.Is(err, ErrNotListening) || i == 400 {
			t.Fatalf("waiting for the port: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitLog waits until the container has written line: a signal sent
// before the program handles it is lost (PID 1 ignores what it does not
// handle), so the test waits for the program to say it listens for one.
func waitLog(t *testing.T, rec *events.Recorder, line string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, e := range rec.Events() {
			if e.Kind == events.Log && e.Message == line {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container never wrote %q", line)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunsAndPorts(t *testing.T) {
	m, rec := newManager(t, 0)
	ctx := context.Background()
	in := m.For("Box", strings.Repeat("ab", 32))
	if _, err := get(in, "/"); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("before any start: %v", err)
	}
	n, err := in.Start(ctx, StartOptions{Env: map[string]string{"MSG": "x", "LISTEN": "usr1"}})
	if err != nil || n != 1 {
		t.Fatalf("start: %d %v", n, err)
	}
	if run, running := in.Current(); run != 1 || !running {
		t.Fatalf("current: %d %v", run, running)
	}
	// Nothing listens yet: it fails at once, whatever the proxy in between.
	if _, err := get(in, "/"); !errors.Is(err, ErrNotListening) {
		t.Fatalf("before it listens: %v", err)
	}
	if _, err := in.Dial(ctx, 8080); !errors.Is(err, ErrNotListening) {
		t.Fatalf("dial before it listens: %v", err)
	}
	waitLog(t, rec, "waiting for SIGUSR1 to listen")
	if err := in.Signal(10); err != nil { // SIGUSR1: listen
		t.Fatal(err)
	}
	if b := waitListening(t, in); !strings.HasPrefix(b, "hello x GET /ready 1 ") {
		t.Fatalf("answer: %q", b)
	}
	if _, err := get(in, "/drop"); !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("a dropped connection: %v", err)
	}
	c, err := in.Dial(ctx, 8080)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(c, "GET /raw HTTP/1.0\r\n\r\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if line != "HTTP/1.0 200 OK\r\n" {
		t.Fatalf("raw connection: %q %v", line, err)
	}

	if err := in.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if exit, err := in.Wait(ctx, 1); err != nil || exit.Code != 137 || exit.Err != nil {
		t.Fatalf("run 1 after destroy: %+v %v", exit, err)
	}
	if _, err := get(in, "/"); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("after destroy: %v", err)
	}
	if err := in.Signal(15); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("signal after destroy: %v", err)
	}

	// Cmd follows the image's ENTRYPOINT, as workerd's entrypoint does.
	if n, err = in.Start(ctx, StartOptions{Cmd: []string{"/no/such/program"}, Env: map[string]string{"MSG": "y"}}); err != nil || n != 2 {
		t.Fatalf("second start: %d %v", n, err)
	}
	waitListening(t, in)
	if _, err := get(in, "/exit/3"); err != nil {
		t.Fatal(err)
	}
	if exit, err := in.Wait(ctx, 2); err != nil || exit.Code != 3 {
		t.Fatalf("run 2: %+v %v", exit, err)
	}
	if exit, err := in.Wait(ctx, 1); err != nil || exit.Code != 137 {
		t.Fatalf("run 1, asked again: %+v %v", exit, err)
	}
	if _, err := in.Wait(ctx, 7); !errors.Is(err, ErrNoSuchRun) {
		t.Fatalf("a run that never was: %v", err)
	}

	// An image that is not there: the run ends without an exit code.
	if n, err = in.Start(ctx, StartOptions{Image: "valet-no-such-image:1"}); err != nil {
		t.Fatal(err)
	}
	if exit, err := in.Wait(ctx, n); err != nil || exit.Err == nil || !strings.Contains(exit.Err.Error(), "valet-no-such-image") {
		t.Fatalf("run with a missing image: %+v %v", exit, err)
	}
}

func TestMaxInstancesAndStates(t *testing.T) {
	m, rec := newManager(t, 1)
	ctx := context.Background()
	a, b := m.For("Box", strings.Repeat("a", 64)), m.For("Box", strings.Repeat("b", 64))
	if _, err := a.Start(ctx, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := b.Start(ctx, StartOptions{})
	if err == nil || !strings.Contains(err.Error(), msgNoInstance) || !strings.Contains(err.Error(), "max_instances") {
		t.Fatalf("a second instance: %v", err)
	}
	waitListening(t, a)
	if _, err := get(a, "/exit/4"); err != nil {
		t.Fatal(err)
	}
	if exit, _ := a.Wait(ctx, 1); exit.Code != 4 {
		t.Fatalf("exit: %+v", exit)
	}
	n, err := b.Start(ctx, StartOptions{})
	if err != nil {
		t.Fatalf("start once a slot is free: %v", err)
	}
	waitListening(t, b)
	if err := b.Signal(15); err != nil {
		t.Fatal(err)
	}
	if exit, _ := b.Wait(ctx, n); exit.Code != 0 {
		t.Fatalf("exit after SIGTERM: %+v", exit)
	}
	var states []string
	for _, e := range rec.Events() {
		if e.Kind == events.ContainerState {
			states = append(states, e.ObjectID[:1]+":"+e.State)
		}
	}
	if got := strings.Join(states, ","); got != "a:starting,a:running,a:crashed,b:starting,b:running,b:stopping,b:stopped" {
		t.Errorf("states: %s", got)
	}
}
