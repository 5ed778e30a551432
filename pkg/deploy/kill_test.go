package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// envChild makes the test binary a deploy client that a test kills -9;
// envStopAt names the point where it stops to be killed (see stopPoint).
const (
	envChild  = "VALET_DEPLOY_TEST_CHILD"
	envStopAt = "VALET_DEPLOY_TEST_STOP_AT"
)

// stopLine is what the child prints, after the event of its stop point,
// before it blocks there for good.
const stopLine = "valet-test: stopped at "

// stopPoint reports whether e is where the child must stop: "step:NAME" is
// the start of step NAME, before the step does anything; "upload" is the
// first progress of the upload, some bytes sent and not all.
func stopPoint(at string, e events.Event) bool {
	if step, ok := strings.CutPrefix(at, "step:"); ok {
		return e.Kind == events.StepStarted && e.Step == step
	}
	return at == "upload" && e.Kind == events.Progress && e.Step == "upload" && e.Bytes > 0 && e.Bytes < e.Total
}

// runChild deploys the project named by the environment, printing events as
// JSON lines, like valet deploy --json. Events are emitted synchronously by
// the step that makes them, so blocking in the sink at the stop point holds
// the deploy exactly there until the parent kills it.
func runChild() int {
	proj, err := config.Load(config.LoadOptions{Path: os.Getenv(envChild)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	at := os.Getenv(envStopAt)
	enc := json.NewEncoder(os.Stdout)
	var mu sync.Mutex
	em := events.NewEmitter(events.SinkFunc(func(e events.Event) {
		mu.Lock()
		_ = enc.Encode(e)
		if stopPoint(at, e) {
			fmt.Println(stopLine + at)
			// The parent kills us here; mu stays held, so no other event
			// goes out. (A sleep, not select{}: with every goroutine
			// blocked the runtime would call it a deadlock and exit.)
			for {
				time.Sleep(time.Hour)
			}
		}
		mu.Unlock()
	}))
	_, err = Run(context.Background(), Options{
		Conn: Conn{Project: proj, Host: os.Getenv("DOCKER_HOST")}, BindIP: "127.0.0.1",
		EdgeBinary: os.Getenv("VALET_TEST_EDGE_BINARY"), Workerd: os.Getenv("VALET_TEST_WORKERD"), Events: em,
		OutDir: filepath.Join(proj.Dir, ".valet", "build"),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestKillMidDeploy kills the client with SIGKILL at known points: as the
// lock, plan and switch steps start, and in the middle of the upload (some
// bytes sent, not all). Each time the old version is the one serving, and
// the next deploy (its lock stale: the same machine, a dead pid) succeeds.
func TestKillMidDeploy(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)
	// A big asset, so that the upload reports progress before it ends.
	big := make([]byte, 24<<20)
	for i := range big {
		big[i] = byte(i*7 + i/4096)
	}
	p.write("public/big.bin", string(big))
	for n, at := range []string{"step:lock", "step:plan", "upload", "step:switch"} {
		p.worker(fmt.Sprintf("v%d", n+2))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envChild+"="+filepath.Join(p.dir, "valet.jsonc"), envStopAt+"="+at,
			"VALET_TEST_EDGE_BINARY="+edgeBinary(t), "VALET_TEST_WORKERD="+workerdtest.Binary(t), "DOCKER_HOST="+e.Host())
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		killed := false
		for sc.Scan() {
			if sc.Text() == stopLine+at {
				_ = cmd.Process.Kill()
				killed = true
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("the child deploy ended before it reached %s", at)
		}
		if code, body := httpGet(t, p.url("/api/version")); code != 200 || body != "v1" {
			t.Fatalf("after kill -9 at %s: %d %q, want v1 still serving", at, code, body)
		}
		// The next deploy takes over the dead client's lock and succeeds.
		d.mustDeploy(ctx)
		if _, body := httpGet(t, p.url("/api/version")); body != fmt.Sprintf("v%d", n+2) {
			t.Fatalf("deploy after kill at %s: %q", at, body)
		}
		p.worker("v1")
		d.mustDeploy(ctx)
	}
	var warned bool
	for _, ev := range d.rec.Events() {
		warned = warned || (ev.Kind == events.Warning && strings.Contains(ev.Message, "stale deploy lock"))
	}
	if !warned {
		t.Error("no warning about the stale lock taken over")
	}
}

// TestEdgeUpgrade deploys with another valet binary: the edge container is
// replaced, which may leave a gap in service (DESIGN: under 1 s, and valet
// deploy says so). The gap is measured by clients, not taken from the
// deploy's own report: every request is recorded, the longest time with no
// successful answer must stay under 1 s, every failed request must fall in
// it, and the deploy must warn that the edge was replaced.
func TestEdgeUpgrade(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)

	newBin := newRelease(t)
	const clients = 4
	l := startLoad(t, clients, func(int) string { return p.url("/api/version") })
	l.waitServed(t, "v1", clients)
	d.p.worker("v2")
	rec := &events.Recorder{}
	res, err := Run(ctx, Options{Conn: Conn{Project: p.load(), Host: e.Host()}, BindIP: "127.0.0.1", EdgeBinary: newBin, Workerd: workerdtest.Binary(t),
		OutDir: filepath.Join(p.dir, ".valet", "build"), Events: events.NewEmitter(rec)})
	if err != nil {
		t.Fatal(err)
	}
	l.waitServed(t, "v2", clients)
	lr := l.result()
	from, to := lr.outage()
	first, last := lr.failureSpan()
	t.Logf("edge upgrade: clients saw no answer for %s, %d requests failed within %s (%d ok); the deploy reported a gap of %s",
		to.Sub(from).Round(time.Millisecond), len(lr.failed), last.Sub(first).Round(time.Millisecond), lr.ok, res.Edge.Gap.Round(time.Millisecond))
	if !res.Edge.Replaced {
		t.Errorf("the edge was not replaced: %+v", res.Edge)
	}
	if gap := to.Sub(from); gap >= time.Second {
		t.Errorf("clients had no answer for %s (%s..%s) while the edge was replaced, want < 1s",
			gap.Round(time.Millisecond), from.Format("15:04:05.000"), to.Format("15:04:05.000"))
	}
	if span := last.Sub(first); span >= time.Second {
		t.Errorf("requests failed over %s (%s..%s; %d failed, the last: %s), want all within the gap, < 1s",
			span.Round(time.Millisecond), first.Format("15:04:05.000"), last.Format("15:04:05.000"), len(lr.failed), lr.lastError())
	}
	said := false
	for _, ev := range rec.Events() {
		said = said || (ev.Kind == events.Warning && strings.Contains(ev.Message, "the edge was replaced") && strings.Contains(ev.Message, "not served for"))
	}
	if !said {
		t.Errorf("the deploy did not say that the edge was replaced and the port not served for a while; events: %+v", rec.Events())
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("after upgrade: %q", body)
	}
	h, _ := d.conn.oneHost()
	list, err := d.conn.targetAt(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	defer list.E.Close()
	edges, _ := list.findEdge(ctx)
	if len(edges) != 1 {
		t.Errorf("%d edge containers after the upgrade, want 1", len(edges))
	}
}

// newRelease is the edge binary with a different hash: a "new release".
func newRelease(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(edgeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	newBin := filepath.Join(t.TempDir(), "valet")
	if err := os.WriteFile(newBin, append(b, []byte("release-2")...), 0o755); err != nil {
		t.Fatal(err)
	}
	return newBin
}
