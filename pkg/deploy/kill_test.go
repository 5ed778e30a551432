package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// envChild makes the test binary a deploy client that a test kills -9.
const envChild = "VALET_DEPLOY_TEST_CHILD"

// runChild deploys the project named by the environment, printing events as
// JSON lines, like valet deploy --json.
func runChild() int {
	proj, err := config.Load(config.LoadOptions{Path: os.Getenv(envChild)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	enc := json.NewEncoder(os.Stdout)
	var mu sync.Mutex
	em := events.NewEmitter(events.SinkFunc(func(e events.Event) { mu.Lock(); _ = enc.Encode(e); mu.Unlock() }))
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

// TestKillMidDeploy kills the client with SIGKILL as each step starts: the
// old version keeps serving, and the next deploy (its lock stale: the same
// machine, a dead pid) succeeds.
func TestKillMidDeploy(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)
	// A big asset so that the upload takes a while.
	big := make([]byte, 24<<20)
	for i := range big {
		big[i] = byte(i*7 + i/4096)
	}
	p.write("public/big.bin", string(big))
	for n, step := range []string{"lock", "plan", "upload", "switch"} {
		p.worker(fmt.Sprintf("v%d", n+2))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envChild+"="+filepath.Join(p.dir, "valet.jsonc"),
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
			var ev events.Event
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Kind == events.StepStarted && ev.Step == step {
				if step == "upload" || step == "switch" {
					time.Sleep(30 * time.Millisecond) // mid-step
				}
				_ = cmd.Process.Kill()
				killed = true
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("the child deploy ended before step %s", step)
		}
		code, body := httpGet(t, p.url("/api/version"))
		t.Logf("killed at %s: serving %q", step, body)
		if code != 200 || (body != "v1" && !(step == "switch" && body == fmt.Sprintf("v%d", n+2))) {
			t.Fatalf("after kill -9 at %s: %d %q", step, code, body)
		}
		// The next deploy takes over the dead client's lock and succeeds.
		d.mustDeploy(ctx)
		if _, body := httpGet(t, p.url("/api/version")); body != fmt.Sprintf("v%d", n+2) {
			t.Fatalf("deploy after kill at %s: %q", step, body)
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
// replaced and the gap in service is measured (DESIGN: under 1 s).
func TestEdgeUpgrade(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)

	// The same program with a different hash is a "new release".
	b, err := os.ReadFile(edgeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	newBin := filepath.Join(t.TempDir(), "valet")
	if err := os.WriteFile(newBin, append(b, []byte("release-2")...), 0o755); err != nil {
		t.Fatal(err)
	}
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := c.Get(p.url("/api/version"))
			if err != nil {
				failed.Add(1)
				time.Sleep(5 * time.Millisecond)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ok.Add(1)
		}
	}()
	d.p.worker("v2")
	res, err := Run(ctx, Options{Conn: Conn{Project: p.load(), Host: e.Host()}, BindIP: "127.0.0.1", EdgeBinary: newBin, Workerd: workerdtest.Binary(t),
		OutDir: filepath.Join(p.dir, ".valet", "build"), Events: events.NewEmitter(d.rec)})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("edge upgrade: gap %s; %d requests ok, %d failed during the deploy", res.Edge.Gap, ok.Load(), failed.Load())
	if !res.Edge.Replaced || res.Edge.Gap <= 0 || res.Edge.Gap > time.Second {
		t.Errorf("edge upgrade: %+v", res.Edge)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("after upgrade: %q", body)
	}
	list, _ := d.conn.target(ctx)
	defer list.E.Close()
	edges, _ := list.findEdge(ctx)
	if len(edges) != 1 {
		t.Errorf("%d edge containers after the upgrade, want 1", len(edges))
	}
}
