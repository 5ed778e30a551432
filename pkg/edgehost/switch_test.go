package edgehost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// counterWorker is a Counter Durable Object instrumented for the switch:
// each instance, as it is built, records itself as the object's running
// instance; a call reaching an instance that is no longer the running one
// counts an overlap (two instances alive at once). /inc counts, /alarm?at=
// sets an alarm, and each alarm that fires records the version it ran in.
// The health check goes through the object "health", which the old
// version holds under load, so the check needs the handoff.
func counterWorker(version string) string {
	return `import { DurableObject } from "cloudflare:workers";
const VERSION = "` + version + `";
export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.me = VERSION + "/" + crypto.randomUUID();
    ctx.blockConcurrencyWhile(() => ctx.storage.put("running", this.me));
  }
  async check() {
    if ((await this.ctx.storage.get("running")) !== this.me) {
      await this.ctx.storage.put("overlaps", ((await this.ctx.storage.get("overlaps")) || 0) + 1);
    }
  }
  async fetch(req) {
    await this.check();
    const u = new URL(req.url);
    const s = this.ctx.storage;
    if (u.pathname === "/inc") {
      const n = ((await s.get("n")) || 0) + 1;
      await s.put("n", n);
      return new Response(String(n));
    }
    if (u.pathname === "/alarm") {
      await s.setAlarm(Number(u.searchParams.get("at")));
      await s.put("set", ((await s.get("set")) || 0) + 1);
      return new Response("set in " + VERSION);
    }
    return Response.json({ n: (await s.get("n")) || 0, overlaps: (await s.get("overlaps")) || 0,
      fired: (await s.get("fired")) || [], alarm: await s.getAlarm(), version: VERSION });
  }
  async alarm() {
    await this.check();
    const fired = (await this.ctx.storage.get("fired")) || [];
    fired.push({ version: VERSION, at: Date.now() });
    await this.ctx.storage.put("fired", fired);
  }
}
export default {
  fetch(req, env) {
    const u = new URL(req.url);
    const name = u.pathname === "/health" ? "health" : u.searchParams.get("o") || "c";
    return env.COUNTER.getByName(name).fetch(req);
  },
};
`
}

const counterCfg = `{"name":"demo","compatibility_date":"2025-06-01",
"durable_objects":{"bindings":[{"name":"COUNTER","class_name":"Counter"}]},
"migrations":[{"tag":"v1","new_sqlite_classes":["Counter"]}],
"deploy":{"healthcheck":{"path":"/health","interval":"50ms","deadline":"10s"}}}`

// serveEdge runs Serve on dir (with connect for containers, when not nil)
// and returns its URL and control socket. A failed test shows the edge's
// log.
func serveEdge(t *testing.T, dir string, connect func(context.Context) (*engine.Engine, error)) (string, string, *edgeLogs) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	control := filepath.Join(t.TempDir(), "c.sock")
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	logs := &edgeLogs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the edge's log, without requests:\n%s", logs)
		}
	})
	go func() {
		done <- Serve(ctx, ServeOptions{StateDir: dir, Addr: "127.0.0.1:0", Control: control, Workerd: workerdtest.Binary(t),
			Engine: connect, Out: logs, Ready: func(u string) { urlc <- u }})
	}()
	var url string
	select {
	case url = <-urlc:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() { cancel(); <-done })
	return url, control, logs
}

type counterState struct {
	N        int `json:"n"`
	Overlaps int `json:"overlaps"`
	Fired    []struct {
		Version string `json:"version"`
		At      int64  `json:"at"`
	} `json:"fired"`
	Alarm *int64 `json:"alarm"`
}

func readCounter(t *testing.T, url, name string) counterState {
	t.Helper()
	code, body := get(t, url+"/state?o="+name)
	var st counterState
	if code != 200 || json.Unmarshal([]byte(body), &st) != nil {
		t.Fatalf("state of %s: %d %s", name, code, body)
	}
	return st
}

// TestSwitchHandsObjectsOver switches versions (and back) under load on
// counter objects: no increment is lost, no request fails, no object runs
// in two versions at once, and the alarms set just before and during the
// switch each fire once, in the version in service when they are due.
func TestSwitchHandsObjectsOver(t *testing.T) {
	dir := t.TempDir()
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	url, control, logs := serveEdge(t, dir, nil)
	ctx := context.Background()
	stage := func(tx, version string) *build.Manifest {
		m := upload(t, s, tx, counterWorker(version), nil, counterCfg)
		if _, err := s.Stage(tx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1, m2 := stage("tx1", "v1"), stage("tx2", "v2")
	if res, err := activateVia(ctx, control, m1.Version); err != nil || !res.OK {
		t.Fatalf("activate v1: %+v %v", res, err)
	}

	// Load: 8 clients incrementing 4 counters (and the health object).
	names := []string{"c0", "c1", "c2", "health"}
	var ok, failed atomic.Int64
	acked := make([]atomic.Int64, len(names))
	var lastErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				k := (i + j) % len(names)
				resp, err := client.Post(url+"/inc?o="+names[k], "text/plain", nil)
				if err != nil {
					failed.Add(1)
					lastErr.Store(err.Error())
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					lastErr.Store(fmt.Sprintf("%s: %s", resp.Status, b))
					continue
				}
				ok.Add(1)
				acked[k].Add(1)
			}
		}()
	}
	setAlarm := func(name string, at time.Time) string {
		t.Helper()
		code, body := get(t, fmt.Sprintf("%s/alarm?o=%s&at=%d", url, name, at.UnixMilli()))
		if code != 200 {
			t.Fatalf("set alarm on %s: %d %s", name, code, body)
		}
		return body
	}
	waitLoad := func(n int64) {
		for deadline := time.Now().Add(10 * time.Second); ok.Load() < n; {
			if time.Now().After(deadline) {
				t.Fatalf("load: %d ok, %d failed (last %v)", ok.Load(), failed.Load(), lastErr.Load())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitLoad(200)

	// Alarms set in v1 just before the switch, due once it is done (one
	// on an object under load, one on an object v1 then leaves alone),
	// and alarms set while the switch runs.
	due := time.Now().Add(8 * time.Second)
	setAlarm("c1", due)
	setAlarm("quiet", due)
	during := make(chan []string, 1)
	var refused []string // alarm sets that failed while switching
	switching := make(chan struct{})
	go func() {
		// Not setAlarm: t.Fatalf here would end this goroutine alone, and
		// the test would wait for during forever.
		var set []string
		defer func() { during <- set }()
		for i := 0; ; i++ {
			select {
			case <-switching:
				return
			default:
			}
			name := "d" + strconv.Itoa(i)
			code, body := get(t, fmt.Sprintf("%s/alarm?o=%s&at=%d", url, name, due.UnixMilli()))
			if code != 200 || !strings.HasPrefix(body, "set in") {
				refused = append(refused, fmt.Sprintf("%s: %d %q", name, code, body))
				continue
			}
			set = append(set, name)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	start := time.Now()
	res, err := activateVia(ctx, control, m2.Version)
	switched := time.Now()
	close(switching)
	duringNames := <-during
	if err != nil || !res.OK {
		t.Fatalf("switch to v2 under load: %+v %v", res, err)
	}
	knownAlarmBusy(t, logs, refused)
	t.Logf("switch to v2: %s (check: %d attempts), %d alarms set while switching", switched.Sub(start).Round(time.Millisecond), res.Check.Attempts, len(duringNames))
	if !switched.Before(due) {
		t.Fatalf("the switch took until %s, past the alarms' time %s: raise the delay", switched.Format(time.StampMilli), due.Format(time.StampMilli))
	}
	waitLoad(ok.Load() + 200)

	// Each alarm fires once, in v2 (in service when they are due).
	for _, name := range append([]string{"c1", "quiet"}, duringNames...) {
		var st counterState
		for deadline := due.Add(20 * time.Second); ; {
			st = readCounter(t, url, name)
			if len(st.Fired) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(st.Fired) != 1 || st.Fired[0].Version != "v2" || st.Overlaps != 0 {
			t.Errorf("alarm of %s: fired %+v, overlaps %d, alarm left %v", name, st.Fired, st.Overlaps, st.Alarm)
		}
	}
	t.Logf("alarms: %d set just before or while switching, each checked to fire once, in v2", 2+len(duringNames))
	// None fires twice. A second firing would come from another process's
	// scheduler at the same time, or from a refused one's retry (2 s
	// later): wait past both; no alarm is left in storage either.
	time.Sleep(2500 * time.Millisecond)
	for _, name := range append([]string{"c1", "quiet"}, duringNames...) {
		if st := readCounter(t, url, name); len(st.Fired) != 1 || st.Alarm != nil {
			t.Errorf("alarm of %s fired %d times (%+v), alarm left %v", name, len(st.Fired), st.Fired, st.Alarm)
		}
	}

	// Back to v1 under load (a rollback), once the alarms fired in v2.
	res, err = activateVia(ctx, control, m1.Version)
	if err != nil || !res.OK {
		t.Fatalf("switch back to v1 under load: %+v %v", res, err)
	}
	waitLoad(ok.Load() + 200)
	close(stop)
	wg.Wait()

	t.Logf("load: %d increments acknowledged, %d failed", ok.Load(), failed.Load())
	if failed.Load() != 0 {
		t.Errorf("%d requests failed during the switch (last: %v)", failed.Load(), lastErr.Load())
	}
	for i, name := range names {
		st := readCounter(t, url, name)
		t.Logf("%s: count %d, acknowledged %d, overlaps %d", name, st.N, acked[i].Load(), st.Overlaps)
		if int64(st.N) != acked[i].Load() {
			t.Errorf("%s: count %d, but %d increments were acknowledged", name, st.N, acked[i].Load())
		}
		if st.Overlaps != 0 {
			t.Errorf("%s ran in two instances at once %d times", name, st.Overlaps)
		}
	}
}

// edgeLogs keeps the edge's event lines but its requests' (for a failure).
// Workerd 1.20261117.1 keeps a namespace's alarm index in one SQLite file
// (metadata.sqlite, beside the objects' own) and writes it without a busy
// timeout. During a switch the old and the new version's processes both
// run objects of the namespace, each on its own objects, and both write
// that file when an object sets an alarm: a write that meets the other
// process's fails at once with SQLITE_BUSY, and so does the request that
// set the alarm (500), its object reset. Rare (2 of about 30 suite runs);
// the only failure TestSwitchHandsObjectsOver lets pass, and only as
// workerd's log shows it, with that workerd and up to alarmBusyMax times.
const (
	alarmBusyWorkerd = "workerd 2026-11-17" // its --version
	alarmBusyMax     = 3
)

// knownAlarmBusy checks the alarm sets that failed while switching: none,
// or, with the workerd known for it, a few that its SQLITE_BUSY explains.
func knownAlarmBusy(t *testing.T, logs *edgeLogs, refused []string) {
	t.Helper()
	if len(refused) == 0 {
		return
	}
	evidence := strings.Join(refused, "; ")
	switch {
	case len(refused) > alarmBusyMax:
		t.Errorf("%d alarm sets failed while switching, more than the %d known of workerd's shared alarm index: %s", len(refused), alarmBusyMax, evidence)
	case !strings.Contains(logs.String(), "SQLITE_BUSY"):
		t.Errorf("alarm sets failed while switching, and workerd logged no SQLITE_BUSY: %s", evidence)
	default:
		workerdtest.KnownShortfall(t, alarmBusyWorkerd, fmt.Sprintf("%d alarm sets failed with SQLITE_BUSY on the namespace's alarm index, which the old and new workerd both write while switching", len(refused)), evidence)
	}
}

type edgeLogs struct {
	mu    sync.Mutex
	lines []string
}

func (l *edgeLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		if !strings.Contains(line, `"kind":"request"`) || strings.Contains(line, `"status":5`) {
			l.lines = append(l.lines, line)
		}
	}
	return len(p), nil
}

func (l *edgeLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
