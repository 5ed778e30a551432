package edgehost

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// asyncConfig is testdata/host/async-worker.js's: a queue whose consumer
// retries a message while the Log object holds it, a Workflow that waits
// for an event, and a cron.
const asyncConfig = `{"name":"demo","main":"worker.js","compatibility_date":"2025-06-01",
	"durable_objects":{"bindings":[{"name":"LOG","class_name":"Log"}]},
	"migrations":[{"tag":"v1","new_sqlite_classes":["Log"]}],
	"queues":{"producers":[{"binding":"Q","queue":"held"}],"consumers":[{"queue":"held","max_batch_timeout":0,"max_retries":100,"retry_delay":1}]},
	"workflows":[{"name":"approval","binding":"WF","class_name":"Approval"}],
	"triggers":{"crons":["*/5 * * * *"]},
	"deploy":{"healthcheck":{"path":"/api/health","interval":"50ms","deadline":"10s"}}}`

// asyncWorker is version v of testdata/host/async-worker.js.
func asyncWorker(t *testing.T, v string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "host", "async-worker.js"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "__VERSION__", v)
}

// serveWithClock is serveWithWorkerd on a test clock.
func serveWithClock(t *testing.T, dir, control, bin string, clock *appserver.TestClock) *host {
	t.Helper()
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeOptions{StateDir: dir, Addr: "127.0.0.1:0", Control: control, Workerd: bin, Out: io.Discard,
			TestClock: clock, Ready: func(u string) { urlc <- u }})
	}()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case u := <-urlc:
		return &host{store: s, url: u, control: control, stop: stop}
	case err := <-done:
		t.Fatalf("Serve: %v", err)
		return nil
	}
}

type logEntry struct {
	Tag      string `json:"tag"`
	Attempts int    `json:"attempts"`
	Cron     string `json:"cron"`
	At       int64  `json:"at"`
	By       string `json:"by"`
}

func waitLog(t *testing.T, url, tag string, n int) []logEntry {
	t.Helper()
	var out []logEntry
	if err := json.Unmarshal([]byte(send(t, "GET", url+"/api/wait?tag="+tag+"&n="+strconv.Itoa(n))), &out); err != nil || len(out) < n {
		t.Fatalf("%d %s entries: %v %v", n, tag, out, err)
	}
	return out
}

// TestAsyncDataInStateVolume: on a host, a queue's message not delivered
// yet and a Workflow instance waiting for its event live in the app's
// state directory: a redeploy, a rollback and a restart of the edge keep
// them, and the version serving then delivers the message and completes
// the instance. The host runs the crons on their schedule.
func TestAsyncDataInStateVolume(t *testing.T) {
	bin := workerdtest.Binary(t)
	dir := t.TempDir()
	control := filepath.Join(t.TempDir(), "c.sock")
	clock := &appserver.TestClock{}
	h := serveWithClock(t, dir, control, bin, clock)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	activate := func(tx, v string) string {
		t.Helper()
		m := upload(t, h.store, tx, asyncWorker(t, v), nil, asyncConfig)
		if _, err := h.store.Stage(tx); err != nil {
			t.Fatal(err)
		}
		if res, err := activateVia(ctx, control, m.Version); err != nil || !res.OK {
			t.Fatalf("activate %s: %+v %v", tx, res, err)
		}
		return m.Version
	}
	v1 := activate("tx1", "v1")
	send(t, "GET", h.url+"/api/hold")
	waitLog(t, h.url, "attempt", 1) // in the queue, out of the producer
	if got := send(t, "GET", h.url+"/api/start?id=w"); got != "w" {
		t.Fatalf("/start = %q", got)
	}

	// The host runs the cron when its time comes: half a second before the
	// next 5-minute mark on the test clock.
	due := time.Now().UTC().Truncate(5 * time.Minute).Add(5 * time.Minute)
	if err := clock.Advance(ctx, time.Until(due)-500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if runs := waitLog(t, h.url, "cron", 1); runs[0].Cron != "*/5 * * * *" || runs[0].At != due.UnixMilli() || runs[0].By != "v1" {
		t.Errorf("cron run %+v, want */5 * * * * at %d", runs[0], due.UnixMilli())
	}

	activate("tx2", "v2")
	if got := send(t, "GET", h.url+"/"); got != "v2" {
		t.Fatalf("after the redeploy: %q", got)
	}
	if res, err := activateVia(ctx, control, v1); err != nil || !res.OK {
		t.Fatalf("rollback: %+v %v", res, err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	h = serveWithClock(t, dir, control, bin, clock)
	if got := send(t, "GET", h.url+"/"); got != "v1" {
		t.Fatalf("after the edge restarted: %q", got)
	}

	send(t, "GET", h.url+"/api/release")
	acked := waitLog(t, h.url, "acked", 1)
	if acked[0].Attempts < 2 || acked[0].By != "v1" {
		t.Errorf("delivered %+v, want the message held since before the redeploy, by v1", acked[0])
	}
	var st struct {
		Status string `json:"status"`
		Output string `json:"output"`
	}
	if err := json.Unmarshal([]byte(send(t, "GET", h.url+"/api/finish?id=w")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != "complete" || st.Output != "started by v1, finished by v1" {
		t.Errorf("the instance ended %+v", st)
	}
	// Where it lives: under the state directory, beside the versions.
	for _, sub := range []string{"queues/QueueShard", "workflows/miniflare-workflows-approval", "cron/Schedule"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil || len(entries) == 0 {
			t.Errorf("no data in %s: %v", sub, err)
		}
	}
}
