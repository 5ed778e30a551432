package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

// newDurableProject is an app whose /api/* goes to the Durable Object Box,
// whose container is testdata/durable/server (FROM scratch, a static Go
// HTTP server on 8080 answering "hello $MSG METHOD URI HITS host=HOST").
// POST counts in the object's storage; GET reads the count. The health
// check goes through the object, so it starts the new version's container.
func newDurableProject(t *testing.T) *project {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	p := &project{t: t, dir: t.TempDir(), name: "dd-" + hex.EncodeToString(b), port: freePort(t)}
	p.write("valet.jsonc", fmt.Sprintf(`{
  "name": %q,
  "main": "worker/index.js",
  "compatibility_date": "2025-06-01",
  "containers": [{ "name": "box", "class_name": "Box", "image": "./Dockerfile", "max_instances": 1 }],
  "durable_objects": { "bindings": [{ "name": "BOX", "class_name": "Box" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Box"] }],
  "deploy": { "port": %d, "healthcheck": { "path": "/api/health", "interval": "100ms", "deadline": "30s" } }
}`, p.name, p.port))
	p.write("Dockerfile", "FROM scratch\nCOPY server /server\nEXPOSE 8080\nENTRYPOINT [\"/server\"]\n")
	// The worker is not part of the image: a change of it keeps the image.
	p.write(".dockerignore", "worker\n.valet\n")
	build := exec.Command("go", "build", "-o", filepath.Join(p.dir, "server"), ".")
	build.Dir = "../../testdata/durable/server"
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the container's server: %v\n%s", err, out)
	}
	p.durableWorker("v1")
	return p
}

// durableWorker writes the worker; v ends up in the container's MSG (with
// the secret TOKEN, passed as the container's envVars), so a response says
// which version's container answered.
func (p *project) durableWorker(v string) {
	p.write("worker/index.js", `import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(request) {
    const c = this.ctx.container;
    if (!c.running) c.start({ env: { MSG: "`+v+`-" + (this.env.TOKEN ?? "none") }, enableInternet: false });
    let n = (await this.ctx.storage.get("n")) || 0;
    if (request.method === "POST") await this.ctx.storage.put("n", ++n);
    const u = new URL(request.url);
    const res = await c.getTcpPort(8080).fetch("http://container" + u.pathname, { method: request.method });
    return new Response(n + " " + (await res.text()).trim() + " token=" + (this.env.TOKEN ?? "none") + " worker=`+v+`", { status: res.status });
  }
}

export default {
  fetch(request, env) {
    return env.BOX.getByName("singleton").fetch(request);
  },
};
`)
}

func request(t *testing.T, method, url string) string {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return strings.TrimSpace(string(b))
}

var hostRE = regexp.MustCompile(`host=(\S+)`)

// TestDeployDurableContainers deploys an app with a Durable Object and its
// container to a real engine: the edge starts the container on the valet
// network and reaches it by address; the object is one singleton; its
// storage outlives redeploys; a secret reaches the worker; a redeploy
// under load fails no request, and the object keeps its container while
// the image is the same, and gets one of the new image (the old one
// stopped) when it changed; logs show the container's output; destroy
// leaves nothing.
func TestDeployDurableContainers(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := newDurableProject(t)
	d := newDeployer(t, p, e.Host())
	objects := func() []engine.ContainerInfo {
		t.Helper()
		l, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name, LabelRole: edgehost.RoleDurable})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	start := time.Now()
	r1 := d.mustDeploy(ctx)
	t.Logf("first deploy with a container: %s (check: %d attempts in %s)", time.Since(start), r1.Check.Attempts, r1.Check.Duration)
	if !r1.Switched {
		t.Fatalf("first deploy: %+v", r1)
	}
	// The health check went through the object: its container runs.
	list := objects()
	if len(list) != 1 || list[0].Labels[engine.LabelVersion] != r1.Version || list[0].Labels[engine.LabelClass] != "Box" {
		t.Fatalf("containers after the first deploy: %+v", list)
	}

	// The edge, itself in a container, reaches it by its address on a
	// network they share (valet, or the internal one of a container
	// started with enableInternet: false): nothing is published.
	ins, err := e.Client().ContainerInspect(ctx, list[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	edges, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name, LabelRole: "edge"})
	if err != nil || len(edges) != 1 {
		t.Fatalf("edges: %+v %v", edges, err)
	}
	eins, err := e.Client().ContainerInspect(ctx, edges[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns, ens := ins.Container.NetworkSettings, eins.Container.NetworkSettings
	shared := false
	for n := range ns.Networks {
		shared = shared || ens.Networks[n] != nil
	}
	if !shared || hasBinding(ns.Ports) {
		t.Fatalf("the object's container should share a network with the edge and publish nothing: %v (edge: %v), ports %v", keys(ns.Networks), keys(ens.Networks), ns.Ports)
	}

	first := request(t, "POST", p.url("/api/a"))
	second := request(t, "POST", p.url("/api/b"))
	if !strings.HasPrefix(first, "1 hello v1-none POST /api/a") || !strings.HasPrefix(second, "2 hello v1-none POST /api/b") {
		t.Fatalf("POSTs: %q, %q", first, second)
	}
	if h1, h2 := hostRE.FindString(first), hostRE.FindString(second); h1 == "" || h1 != h2 {
		t.Fatalf("two POSTs reached two containers: %q, %q", first, second)
	}

	// A secret reaches the worker's env; the reload is a new version with
	// the same image, so the object keeps its container (started with the
	// env of its start()).
	if err := SecretPut(ctx, d.conn, "TOKEN", "hunter2", events.NewEmitter(d.rec)); err != nil {
		t.Fatal(err)
	}
	if got := request(t, "GET", p.url("/api/s")); !strings.HasPrefix(got, "2 hello v1-none GET /api/s") || !strings.Contains(got, "token=hunter2") || hostRE.FindString(got) != hostRE.FindString(first) {
		t.Fatalf("after secret put (want the same container, the secret in the worker): %q", got)
	}
	if list := objects(); len(list) != 1 {
		t.Fatalf("containers after the reload: %+v", list)
	}

	// Redeploy under load, the image unchanged: no failed request, and the
	// object keeps its container as it moves to the new version.
	p.durableWorker("v2")
	var r2 *Result
	underLoad(t, []string{p.url("/api/load")}, "redeploy, same image", func() { r2 = d.mustDeploy(ctx) })
	if r2.Summary != "worker changed" {
		t.Errorf("summary of a redeploy with the same image: %q", r2.Summary)
	}
	list = objects()
	if len(list) != 1 || list[0].ID != firstContainer(t, list, r1.Version) {
		t.Fatalf("containers after the redeploy (want version %s's, kept): %+v", r1.Version, list)
	}
	// Storage survived the redeploy; the kept container answers v2.
	if got := request(t, "POST", p.url("/api/c")); !strings.HasPrefix(got, "3 hello v1-none POST /api/c") || !strings.Contains(got, "worker=v2") || hostRE.FindString(got) != hostRE.FindString(first) {
		t.Fatalf("after the redeploy: %q", got)
	}

	// A new image: the container of the old image stops before the new
	// version starts one for the object, which keeps its storage.
	p.write("Dockerfile", "FROM scratch\nCOPY server /server\nCOPY Dockerfile /image-v3\nEXPOSE 8080\nENTRYPOINT [\"/server\"]\n")
	p.durableWorker("v3")
	var r3 *Result
	underLoad(t, []string{p.url("/api/load")}, "redeploy, new image", func() { r3 = d.mustDeploy(ctx) })
	if t.Failed() {
		var buf bytes.Buffer
		_ = Logs(ctx, d.conn, LogsOptions{Out: &buf})
		t.Logf("the edge's log:\n%s", buf.String())
	}
	if !strings.Contains(r3.Summary, "image") {
		t.Errorf("summary of a new image: %q", r3.Summary)
	}
	list = objects()
	if len(list) != 1 || list[0].Labels[engine.LabelVersion] != r3.Version {
		t.Fatalf("containers after a new image (want one, version %s's): %+v", r3.Version, list)
	}
	third := request(t, "POST", p.url("/api/e"))
	if !strings.HasPrefix(third, "4 hello v3-hunter2 POST /api/e") || hostRE.FindString(third) == hostRE.FindString(first) {
		t.Fatalf("after a new image: %q", third)
	}

	// The edge killed (no cleanup) leaves its container; the edge started
	// again removes it, starts its own, and the object's storage is there.
	tg, err := d.conn.attached(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.E.Close()
	if err := e.Kill(ctx, tg.Edge); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Wait(ctx, tg.Edge); err != nil {
		t.Fatal(err)
	}
	if list := objects(); len(list) != 1 {
		t.Fatalf("containers once the edge was killed: %+v", list)
	}
	if err := tg.ensureEdgeStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if got := request(t, "POST", p.url("/api/d")); !strings.HasPrefix(got, "5 hello v3-hunter2 POST /api/d 1 ") {
		t.Fatalf("after the edge restarted: %q", got)
	}
	if list := objects(); len(list) != 1 || list[0].Created.Before(time.Now().Add(-5*time.Second)) {
		t.Fatalf("containers after the edge restarted (want one new): %+v", list)
	}

	// The edge's log carries the container's output and states.
	var buf bytes.Buffer
	if err := Logs(ctx, d.conn, LogsOptions{Out: &buf}); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "[container:Box/") || !strings.Contains(s, "listening on 8080") {
		t.Errorf("logs lack the container's output:\n%s", s)
	}

	// Destroy leaves no container.
	if res, err := Destroy(ctx, d.conn); err != nil || res.Objects != 1 || !res.Volume {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if left, _ := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name}); len(left) != 0 {
		t.Fatalf("left after destroy: %+v", left)
	}
}

// underLoad runs switchFn while 8 clients GET urls (client i the i-th, in
// turn), and fails the test on any failed request.
func underLoad(t *testing.T, urls []string, what string, switchFn func()) {
	t.Helper()
	var ok, failed atomic.Int64
	var lastErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 30 * time.Second}
			url := urls[i%len(urls)]
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(url)
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
			}
		}()
	}
	waitOK := func(n int64) {
		for deadline := time.Now().Add(30 * time.Second); ok.Load() < n && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitOK(50)
	switchFn()
	waitOK(ok.Load() + 50)
	close(stop)
	wg.Wait()
	t.Logf("%s under load: %d ok, %d failed", what, ok.Load(), failed.Load())
	if failed.Load() != 0 {
		t.Errorf("%s: %d requests failed (last: %v)", what, failed.Load(), lastErr.Load())
	}
	if ok.Load() == 0 {
		t.Errorf("%s: no request answered", what)
	}
}

// firstContainer is the ID of the container labelled with version.
func firstContainer(t *testing.T, list []engine.ContainerInfo, version string) string {
	t.Helper()
	for _, c := range list {
		if c.Labels[engine.LabelVersion] == version {
			return c.ID
		}
	}
	return ""
}

// ensureEdgeStarted starts the stopped edge again and waits for it.
func (t *Target) ensureEdgeStarted(ctx context.Context) error {
	if _, err := t.E.Client().ContainerStart(ctx, t.Edge, client.ContainerStartOptions{}); err != nil {
		return err
	}
	return t.waitEdge(ctx)
}

func hasBinding(ports network.PortMap) bool {
	for _, b := range ports {
		if len(b) > 0 {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
