package containers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/durable"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/runtime"
)

func TestMain(m *testing.M) { enginetest.Main(m) }

const boxWorker = `
import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(req) {
    const c = this.ctx.container;
    const url = new URL(req.url);
    switch (url.pathname) {
      case "/start":
        if (!c.running) {
          c.start({ env: { MSG: url.searchParams.get("msg") || "hi", DELAY: url.searchParams.get("delay") || "" } });
          this.mon = c.monitor().then(() => "exit 0", (e) => e.message);
        }
        return new Response("started " + c.running);
      case "/monitor": return new Response(await this.mon);
      case "/running": return new Response(String(c.running));
      case "/stop": c.signal(15); return new Response("signalled");
      case "/destroy": await c.destroy(); return new Response("destroyed " + c.running);
    }
    try {
      return await c.getTcpPort(8080).fetch(req.url.replace("/c/", "/"), { method: req.method });
    } catch (e) {
      return new Response("fetch failed: " + e.message, { status: 502 });
    }
  }
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const stub = env.BOX.getByName(url.searchParams.get("name") || "one");
    try {
      return await stub.fetch(req);
    } catch (e) {
      return new Response("error: " + e.message, { status: 500 });
    }
  },
};
`

type rig struct {
	e    *engine.Engine
	mgr  *Manager
	reg  *durable.Registry
	pool *runtime.Pool
	srv  *httptest.Server
	rec  *events.Recorder
	app  string
}

func newRig(t testing.TB, src string, max int) *rig {
	t.Helper()
	return newRigIn(t, t.TempDir(), src, "Box", "BOX", max)
}

func newRigIn(t testing.TB, dir, src, class, binding string, max int) *rig {
	t.Helper()
	return newRigWith(t, dir, src, "../../testdata/durable/server", class, binding, max)
}

// newRigWith runs src as the worker, with class backed by a container of
// the Go server in serverDir.
func newRigWith(t testing.TB, dir, src, serverDir, class, binding string, max int) *rig {
	t.Helper()
	e := enginetest.Connect(t)
	img := enginetest.GoImage(t, e, filepath.Base(serverDir), serverDir)
	if err := os.WriteFile(filepath.Join(dir, "worker.ts"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := bundle.Worker(bundle.WorkerOptions{Entry: filepath.Join(dir, "worker.ts"), Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := &events.Recorder{}
	em := events.NewEmitter(rec)
	app := "ctest" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	mgr := New(Options{Engine: e, App: app, Session: enginetest.Labels(t)[engine.LabelSession], Dev: true,
		Classes: map[string]Class{class: {Image: img, MaxInstances: max}}, Events: em})
	reg, err := durable.New(durable.Options{App: app, Bindings: []durable.Binding{{Name: binding, Class: class}}, Containers: mgr, Events: em})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := runtime.New(runtime.Options{Script: w.Script, SourceMap: w.SourceMap, Env: reg.Bindings(), Isolates: 2, Dev: true, Logs: em})
	if err != nil {
		t.Fatal(err)
	}
	reg.Attach(pool)
	r := &rig{e: e, mgr: mgr, reg: reg, pool: pool, srv: httptest.NewServer(pool), rec: rec, app: app}
	t.Cleanup(func() { r.close(t) })
	return r
}

func (r *rig) close(t testing.TB) {
	r.srv.Close()
	_ = r.reg.Close()
	_ = r.pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.mgr.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
}

func (r *rig) get(t *testing.T, path string) (int, string) {
	t.Helper()
	res, err := http.Get(r.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

func (r *rig) containers(t *testing.T) []engine.ContainerInfo {
	t.Helper()
	list, err := r.e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: r.app})
	if err != nil {
		t.Fatal(err)
	}
	var out []engine.ContainerInfo
	for _, c := range list {
		if c.Running() {
			out = append(out, c)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestStartFetchCrashRestart(t *testing.T) {
	r := newRig(t, boxWorker, 0)
	if _, b := r.get(t, "/c/x"); !strings.Contains(b, "the container is not running") {
		t.Fatalf("fetch before start: %s", b)
	}
	if _, b := r.get(t, "/start?delay=300ms&msg=first"); b != "started true" {
		t.Fatalf("start: %s", b)
	}
	// The first fetch waits while the container starts and listens.
	code, b := r.get(t, "/c/hello?q=1")
	if code != 200 || !strings.HasPrefix(b, "hello first GET /hello?q=1 1") {
		t.Fatalf("fetch: %d %s", code, b)
	}
	list := r.containers(t)
	if len(list) != 1 || list[0].Labels[engine.LabelClass] != "Box" || len(list[0].Labels[engine.LabelObject]) != 64 ||
		!strings.HasPrefix(list[0].Name, "valet-"+r.app+"-box-") {
		t.Fatalf("containers: %+v", list)
	}

	// A crash rejects monitor() with the exit code, and the next start works.
	r.get(t, "/c/exit/3")
	if _, b := r.get(t, "/monitor"); b != "container exited with unexpected exit code: 3" {
		t.Fatalf("monitor after crash: %q", b)
	}
	if _, b := r.get(t, "/running"); b != "false" {
		t.Fatalf("running after crash: %s", b)
	}
	r.get(t, "/start?msg=second")
	if _, b := r.get(t, "/c/again"); !strings.HasPrefix(b, "hello second GET /again 1") {
		t.Fatalf("after restart: %s", b)
	}

	// SIGTERM: the server exits 0, monitor() resolves.
	r.get(t, "/stop")
	if _, b := r.get(t, "/monitor"); b != "exit 0" {
		t.Fatalf("monitor after SIGTERM: %q", b)
	}
	var states []string
	for _, e := range r.rec.Events() {
		if e.Kind == events.ContainerState {
			states = append(states, e.State)
		}
	}
	if got := strings.Join(states, ","); !strings.HasPrefix(got, "starting,running,crashed,starting,running,stopping,stopped") {
		t.Errorf("states: %s", got)
	}
	waitFor(t, "exited containers removed", func() bool {
		l, _ := r.e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: r.app})
		return len(l) == 0
	})
}

func TestMaxInstancesAndCleanup(t *testing.T) {
	r := newRig(t, boxWorker, 1)
	if _, b := r.get(t, "/start?name=a"); b != "started true" {
		t.Fatal(b)
	}
	code, b := r.get(t, "/start?name=b")
	if code != 500 || !strings.Contains(b, "there is no container instance that can be provided to this durable object") || !strings.Contains(b, "max_instances") {
		t.Fatalf("second instance: %d %s", code, b)
	}
	if _, b := r.get(t, "/destroy?name=a"); b != "destroyed false" {
		t.Fatalf("destroy: %s", b)
	}
	if _, b := r.get(t, "/monitor?name=a"); !strings.HasPrefix(b, "runtime signalled the container to exit") {
		t.Fatalf("monitor after destroy: %s", b)
	}
	if _, b := r.get(t, "/start?name=b"); b != "started true" {
		t.Fatalf("start after destroy: %s", b)
	}
	r.get(t, "/c/x?name=b")
	if n := len(r.containers(t)); n != 1 {
		t.Fatalf("running containers: %d", n)
	}
	r.close(t)
	l, _ := r.e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: r.app})
	if len(l) != 0 {
		t.Fatalf("left after close: %+v", l)
	}
}
