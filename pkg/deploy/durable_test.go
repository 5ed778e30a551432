package deploy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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
	p := emptyProject(t, "dd-")
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

// durableWorker writes the worker; v starts its answers (the worker's
// version), and ends up in the container's MSG with the secret TOKEN when
// this version starts the container, so an answer says which version's
// worker and which container answered.
func (p *project) durableWorker(v string) {
	p.write("worker/index.js", `import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(request) {
    const c = this.ctx.container;
    if (!c.running) c.start({ env: { MSG: "`+v+`-" + (this.env.TOKEN ?? "none") }, enableInternet: false });
    let n = (await this.ctx.storage.get("n")) || 0;
    if (request.method === "POST") await this.ctx.storage.put("n", ++n);
    const u = new URL(request.url);
    // A container just started listens a moment later: poll its port, as
    // @cloudflare/containers' waitForPort does (it fails at once until then).
    for (let i = 0; ; i++) {
      try {
        const res = await c.getTcpPort(8080).fetch("http://container" + u.pathname, { method: request.method });
        const body = (await res.text()).trim();
        return new Response("`+v+` " + n + " " + body + " token=" + (this.env.TOKEN ?? "none"), { status: res.status });
      } catch (e) {
        if (i === 300 || !c.running) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
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
	// network they share (the app's private one): nothing is published.
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
	if !strings.HasPrefix(first, "v1 1 hello v1-none POST /api/a") || !strings.HasPrefix(second, "v1 2 hello v1-none POST /api/b") {
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
	if got := request(t, "GET", p.url("/api/s")); !strings.HasPrefix(got, "v1 2 hello v1-none GET /api/s") || !strings.HasSuffix(got, "token=hunter2") || hostRE.FindString(got) != hostRE.FindString(first) {
		t.Fatalf("after secret put (want the same container, the secret in the worker): %q", got)
	}
	if list := objects(); len(list) != 1 {
		t.Fatalf("containers after the reload: %+v", list)
	}

	// Redeploy under load, the image unchanged: no failed request, and the
	// object keeps its container as it moves to the new version. The deploy
	// starts once every client has had v1's answer, and the clients stop
	// once v2 answered them after the switch. The health check goes through
	// the object too, which moves between the versions as they serve.
	p.durableWorker("v2")
	const clients = 8
	l := startLoad(t, clients, func(int) string { return p.url("/api/load") })
	l.waitServed(t, "v1", clients)
	r2 := d.mustDeploy(ctx)
	l.waitServed(t, "v2", clients)
	lr := l.result()
	t.Logf("redeploy (same image) under load: %d ok (%v), %d failed; summary %q, drain %s", lr.ok, lr.versions, len(lr.failed), r2.Summary, r2.Drain)
	if len(lr.failed) != 0 {
		t.Errorf("%d requests failed during the switch (last: %v)", len(lr.failed), lr.lastError())
	}
	if r2.Summary != "worker changed" {
		t.Errorf("summary of a redeploy with the same image: %q", r2.Summary)
	}
	list = objects()
	if len(list) != 1 || list[0].ID != firstContainer(list, r1.Version) {
		t.Fatalf("containers after the redeploy (want version %s's, kept): %+v", r1.Version, list)
	}
	// Storage survived the redeploy; the kept container answers v2.
	if got := request(t, "POST", p.url("/api/c")); !strings.HasPrefix(got, "v2 3 hello v1-none POST /api/c") || hostRE.FindString(got) != hostRE.FindString(first) {
		t.Fatalf("after the redeploy: %q", got)
	}

	// A new image, under load: the container of the old image stops before
	// the new version starts one for the object, which keeps its storage.
	p.write("Dockerfile", "FROM scratch\nCOPY server /server\nCOPY Dockerfile /image-v3\nEXPOSE 8080\nENTRYPOINT [\"/server\"]\n")
	p.durableWorker("v3")
	l = startLoad(t, clients, func(int) string { return p.url("/api/load") })
	l.waitServed(t, "v2", clients)
	r3 := d.mustDeploy(ctx)
	l.waitServed(t, "v3", clients)
	lr = l.result()
	t.Logf("redeploy (new image) under load: %d ok (%v), %d failed; summary %q, drain %s", lr.ok, lr.versions, len(lr.failed), r3.Summary, r3.Drain)
	if len(lr.failed) != 0 {
		t.Errorf("%d requests failed during the switch (last: %v)", len(lr.failed), lr.lastError())
	}
	if !strings.Contains(r3.Summary, "image") {
		t.Errorf("summary of a new image: %q", r3.Summary)
	}
	list = objects()
	if len(list) != 1 || list[0].Labels[engine.LabelVersion] != r3.Version {
		t.Fatalf("containers after a new image (want one, version %s's): %+v", r3.Version, list)
	}
	if got := request(t, "POST", p.url("/api/e")); !strings.HasPrefix(got, "v3 4 hello v3-hunter2 POST /api/e") || hostRE.FindString(got) == hostRE.FindString(first) {
		t.Fatalf("after a new image: %q", got)
	}

	// The edge killed (no cleanup) leaves its container; the edge started
	// again removes it, starts its own, and the object's storage is there.
	tg, err := d.conn.attached(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tg.E.Close()
	if err := e.Kill(ctx, tg.EdgeID()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Wait(ctx, tg.EdgeID()); err != nil {
		t.Fatal(err)
	}
	if list := objects(); len(list) != 1 {
		t.Fatalf("containers once the edge was killed: %+v", list)
	}
	if err := tg.ensureEdgeStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if got := request(t, "POST", p.url("/api/d")); !strings.HasPrefix(got, "v3 5 hello v3-hunter2 POST /api/d 1 ") {
		t.Fatalf("after the edge restarted: %q", got)
	}
	if list := objects(); len(list) != 1 || list[0].Created.Before(time.Now().Add(-5*time.Second)) {
		t.Fatalf("containers after the edge restarted (want one new): %+v", list)
	}

	// The edge's log carries the container's output and states.
	var log events.Recorder
	if err := Logs(ctx, d.conn, LogsOptions{Events: &log}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log.Events() {
		found = found || e.Kind == events.Log && strings.HasPrefix(e.Source, "container:Box/") && strings.Contains(e.Message, "listening on 8080")
	}
	if !found {
		t.Errorf("logs lack the container's output:\n%+v", log.Events())
	}

	// Destroy leaves no container.
	if res, err := Destroy(ctx, d.conn, nil); err != nil || res.Objects != 1 || !res.Volume {
		t.Fatalf("destroy: %+v %v", res, err)
	}
	if left, _ := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name}); len(left) != 0 {
		t.Fatalf("left after destroy: %+v", left)
	}
}

// TestDeployDurableContainersForwardDrop is TestDeployDurableContainers on
// a host as production hosts are: a system dockerd, iptables on, has set
// the FORWARD policy to DROP (the test runs in a network namespace of its
// own, whose engine runs so). The edge must still reach its objects'
// containers: it is on their network, and dockerd accepts each network's
// own traffic (-i br-X -o br-X -j ACCEPT) before the policy applies.
func TestDeployDurableContainersForwardDrop(t *testing.T) {
	if !enginetest.InNetns(t, "DROP", "--iptables=true") {
		return
	}
	TestDeployDurableContainers(t)
}

// firstContainer is the ID of the container labelled with version.
func firstContainer(list []engine.ContainerInfo, version string) string {
	for _, c := range list {
		if c.Labels[engine.LabelVersion] == version {
			return c.ID
		}
	}
	return ""
}

// ensureEdgeStarted starts the stopped edge again and waits for it.
func (t *Target) ensureEdgeStarted(ctx context.Context) error {
	if _, err := t.E.Client().ContainerStart(ctx, t.EdgeID(), client.ContainerStartOptions{}); err != nil {
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
