package deploy

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/clustertest"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// clusterWorker is the cluster tests' app: a counter Durable Object
// ("c") whose increments carry an id and count once however often they
// are sent (a client sends one again after a 503 with Retry-After), which
// echoes WebSocket messages with its version; a Durable Object with a
// container ("b", the test server of testdata/durable, answering with its
// host name); and plain worker routes.
func clusterWorker(version string) string {
	return `import { DurableObject } from "cloudflare:workers";
const VERSION = "` + version + `";
export class Counter extends DurableObject {
  async fetch(req) {
    if (req.headers.get("Upgrade") === "websocket") {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.addEventListener("message", (e) => server.send(VERSION + " " + e.data));
      return new Response(null, { status: 101, webSocket: client });
    }
    const u = new URL(req.url);
    const s = this.ctx.storage;
    if (u.pathname === "/api/inc") {
      const key = "id:" + u.searchParams.get("id");
      let n = await s.get(key);
      if (n === undefined) {
        n = ((await s.get("n")) || 0) + 1;
        await s.put({ n, [key]: n });
      }
      return new Response(n + " " + VERSION);
    }
    return new Response(((await s.get("n")) || 0) + " " + VERSION);
  }
}
export class Box extends DurableObject {
  async fetch(req) {
    const c = this.ctx.container;
    if (!c.running) c.start({ enableInternet: false });
    for (let i = 0; ; i++) {
      try {
        const res = await c.getTcpPort(8080).fetch("http://container/");
        return new Response(VERSION + " " + (await res.text()).trim());
      } catch (e) {
        if (i === 300 || !c.running) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}
export default {
  fetch(req, env) {
    const u = new URL(req.url);
    if (u.pathname === "/api/health") return new Response(env.BREAK ? "broken on purpose" : "ok", { status: env.BREAK ? 500 : 200 });
    if (u.pathname === "/api/version") return new Response(VERSION);
    if (u.pathname === "/api/env") return new Response(Object.keys(env).sort().join(","));
    if (u.pathname === "/api/box") return env.BOX.getByName("b").fetch(req);
    return env.COUNTER.getByName("c").fetch(req);
  },
};
`
}

// testCluster is three hosts, each a private Docker Engine of its own,
// sharing a bucket, behind a round-robin load balancer. The engines run on
// this machine, so each host's addresses are its engine's bridge address
// (the gateway of the app's network there): its edge publishes the public
// port and its two cluster ports there, and reaches the other hosts'
// there, as hosts on a private network would; the bucket listens on the
// first one's.
type testCluster struct {
	t       *testing.T
	p       *project
	hosts   []config.DeployHost
	engines []*engine.Engine
	gw      []string // each host's address
	bucket  *clustertest.Server
	lb      *roundRobin
	conn    Conn
	rec     *events.Recorder
	cport   int
}

const clusterHosts = 3

func newTestCluster(t *testing.T) *testCluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	c := &testCluster{t: t, rec: &events.Recorder{}}
	c.p = &project{t: t, dir: t.TempDir(), name: "cl-" + hex.EncodeToString(b), port: freePort(t)}
	_, public := edgehost.AppNetworks(c.p.name)
	for i := 0; i < clusterHosts; i++ {
		d := enginetest.StartDaemon(t)
		e, err := engine.Connect(ctx, engine.Options{Host: d.Host})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		// The app's network, made now as valet makes it, to learn the
		// host's address on it.
		id, err := e.EnsureNetworkSpec(ctx, public)
		if err != nil {
			t.Fatal(err)
		}
		ins, err := e.Client().NetworkInspect(ctx, id, client.NetworkInspectOptions{})
		if err != nil || len(ins.Network.IPAM.Config) == 0 {
			t.Fatalf("network %s on %s: %+v %v", public.Name, d.Host, ins, err)
		}
		gw := ins.Network.IPAM.Config[0].Gateway.String()
		for _, other := range c.gw {
			if other == gw {
				t.Fatalf("two engines gave their networks the same gateway %s", gw)
			}
		}
		c.engines = append(c.engines, e)
		c.gw = append(c.gw, gw)
		c.hosts = append(c.hosts, config.DeployHost{Host: d.Host, PrivateAddress: gw})
	}
	c.bucket = clustertest.StartOn(t, c.gw[0])
	c.cport = clustertest.PortPair(t, "")
	var hosts []string
	for _, h := range c.hosts {
		hosts = append(hosts, fmt.Sprintf(`{ "host": %q, "private_address": %q }`, h.Host, h.PrivateAddress))
	}
	c.p.write("valet.jsonc", fmt.Sprintf(`{
  "name": %q,
  "main": "worker/index.js",
  "compatibility_date": "2025-06-01",
  "assets": { "directory": "public", "run_worker_first": ["/api/*"] },
  "containers": [{ "name": "box", "class_name": "Box", "image": "./Dockerfile", "max_instances": 1 }],
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }, { "name": "BOX", "class_name": "Box" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter", "Box"] }],
  "deploy": {
    "port": %d,
    "hosts": [%s],
    "cluster": { "bucket": %q, "endpoint": %q, "region": %q, "port": %d },
    "healthcheck": { "path": "/api/health", "interval": "100ms", "deadline": "3s" }
  }
}`, c.p.name, c.p.port, strings.Join(hosts, ", "), c.bucket.URL(c.p.name), c.bucket.Endpoint, c.bucket.Region, c.cport))
	c.p.write("public/index.html", "<h1>hello</h1>")
	c.p.write("Dockerfile", "FROM scratch\nCOPY server /server\nEXPOSE 8080\nENTRYPOINT [\"/server\"]\n")
	c.p.write(".dockerignore", "worker\n.valet\npublic\n")
	build := exec.Command("go", "build", "-o", filepath.Join(c.p.dir, "server"), ".")
	build.Dir = "../../testdata/durable/server"
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the container's server: %v\n%s", err, out)
	}
	c.p.write("worker/index.js", clusterWorker("v1"))
	c.conn = Conn{Project: c.p.load()}
	var addrs []string
	for _, gw := range c.gw {
		addrs = append(addrs, net.JoinHostPort(gw, strconv.Itoa(c.p.port)))
	}
	c.lb = newRoundRobin(t, addrs...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := Destroy(ctx, c.conn, nil); err != nil {
			t.Errorf("destroy: %v", err)
		}
	})
	return c
}

// divisor shortens workerd's cluster times on the test hosts: a 4 s lease.
const testDivisor = 5

func (c *testCluster) deploy(ctx context.Context) (*Result, error) {
	c.conn.Project = c.p.load()
	return Run(ctx, Options{
		Conn: c.conn, EdgeBinary: edgeBinary(c.t), Workerd: workerdtest.Binary(c.t),
		OutDir: filepath.Join(c.p.dir, ".valet", "build"), Events: events.NewEmitter(c.rec),
		bindIP:      func(h config.DeployHost) string { return h.PrivateAddress },
		clusterTest: clusterTiming{UnsafeTimeDivisor: testDivisor, StopTimeout: 3 * time.Second},
	})
}

// hostURL is where host i serves the app.
func (c *testCluster) hostURL(i int, path string) string {
	return "http://" + net.JoinHostPort(c.gw[i], strconv.Itoa(c.p.port)) + path
}

func (c *testCluster) get(url string) (int, string) {
	c.t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(url)
	if err != nil {
		c.t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// boxContainers counts, per host, the containers of the Durable Object Box.
func (c *testCluster) boxContainers(ctx context.Context) []int {
	c.t.Helper()
	out := make([]int, len(c.engines))
	for i, e := range c.engines {
		l, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: c.p.name, LabelRole: edgehost.RoleDurable})
		if err != nil {
			c.t.Fatal(err)
		}
		for _, ci := range l {
			if ci.Running() {
				out[i]++
			}
		}
	}
	return out
}

// TestClusterDeploy deploys an app to three hosts sharing a bucket:
// the first deploy starts the edges and says which secrets are missing;
// with the bucket's credentials put (on every host), it generates the
// cluster key, keeps it on every host, and rolls the hosts; each host
// serves every route and reaches the one counter; the Durable Object with
// a container runs it on the host of the instance that owns the object
// only; the worker never sees the cluster's secrets; valet status and
// valet versions show the three hosts. Then, through a round-robin load
// balancer: a rolling redeploy under wrk, counter increments and
// WebSockets (rollUnderLoad); the object with a container moving with its
// owner (boxMoves); a deploy that changes nothing (noChange); a rollback;
// a version failing its check on the last host; kill -9 of the edge that
// runs the counter, restarted by its engine, then kept down (killOwner);
// logs from every host; destroy. It logs what it measures.
func TestClusterDeploy(t *testing.T) {
	c := newTestCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	start := time.Now()
	_, err := c.deploy(ctx)
	if err == nil || !strings.Contains(err.Error(), config.SecretClusterAccessKeyID) || !strings.Contains(err.Error(), "valet secret put") {
		t.Fatalf("a first deploy without the bucket's credentials: want an error naming the secrets, got %v", err)
	}
	t.Logf("first deploy, stopped for the credentials after %s (three edge images built)", time.Since(start).Round(time.Millisecond))
	for name, value := range map[string]string{config.SecretClusterAccessKeyID: c.bucket.AccessKey, config.SecretClusterSecretAccessKey: c.bucket.SecretKey} {
		if err := SecretPut(ctx, c.conn, name, value, events.NewEmitter(c.rec)); err != nil {
			t.Fatal(err)
		}
	}
	start = time.Now()
	r1, err := c.deploy(ctx)
	if err != nil {
		t.Fatalf("deploy v1: %v", err)
	}
	t.Logf("deploy v1 to %d hosts: %s, %d bytes", len(r1.Hosts), time.Since(start).Round(time.Millisecond), r1.Bytes)
	if !r1.Switched || len(r1.Hosts) != clusterHosts || !r1.Cluster {
		t.Fatalf("deploy v1: %+v", r1)
	}

	// One cluster key, on every host.
	digests := c.keyDigests(ctx)
	if len(digests) != 1 {
		t.Fatalf("the hosts hold %d different cluster keys", len(digests))
	}

	// Every host serves every route and reaches the one counter.
	for i := range c.hosts {
		if code, body := c.get(c.hostURL(i, "/")); code != 200 || body != "<h1>hello</h1>" {
			t.Fatalf("asset on host %d: %d %q", i, code, body)
		}
		if _, body := c.get(c.hostURL(i, "/api/env")); strings.Contains(body, edgehost.ClusterSecretPrefix) {
			t.Fatalf("the worker's env holds the cluster's secrets: %q", body)
		}
	}
	for n := 1; n <= 6; n++ {
		if code, body := c.get(c.hostURL(n%clusterHosts, fmt.Sprintf("/api/inc?id=first-%d", n))); code != 200 || body != fmt.Sprintf("%d v1", n) {
			t.Fatalf("increment %d through host %d: %d %q", n, n%clusterHosts, code, body)
		}
	}

	// The object with a container: its container runs on the host whose
	// instance owns it, and nowhere else, whichever host the request came
	// through.
	for i := range c.hosts {
		if code, body := c.get(c.hostURL(i, "/api/box")); code != 200 || !strings.HasPrefix(body, "v1 hello") {
			t.Fatalf("box through host %d: %d %q", i, code, body)
		}
	}
	st, err := Status(ctx, c.conn)
	if err != nil {
		t.Fatal(err)
	}
	boxHost := ""
	for _, o := range st.Objects {
		if o.Class == "Box" && o.State == "running" {
			boxHost = o.Host
		}
	}
	counts := c.boxContainers(ctx)
	for i, h := range c.hosts {
		if want := map[bool]int{true: 1, false: 0}[h.Host == boxHost]; counts[i] != want {
			t.Fatalf("Box's containers per host %v; the object runs on %q (status %+v)", counts, boxHost, st)
		}
	}
	for _, h := range st.Hosts {
		if h.Edge != "running" || !h.Ready || h.Active != r1.Version {
			t.Fatalf("status of %s: %+v", h.Host, h)
		}
	}
	if len(st.Members) != clusterHosts || len(st.Objects) != 2 {
		t.Fatalf("status: instances %+v, objects %+v", st.Members, st.Objects)
	}
	t.Logf("status: %+v", st)

	c.checkHosts(ctx)
	key := digests
	c.rollUnderLoad(ctx, r1)
	c.boxMoves(ctx)
	c.noChange(ctx)
	c.rollBack(ctx, r1)
	c.failOnOneHost(ctx, r1)
	c.killOwner(ctx, false)
	c.killOwner(ctx, true)
	c.logs(ctx)
	if d := c.keyDigests(ctx); len(d) != 1 || !key[firstKey(d)] {
		t.Errorf("the cluster key changed after the first deploy: %v, was %v", d, key)
	}
	c.destroy(ctx)
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}

// keyDigests are the digests of the hosts' cluster keys.
func (c *testCluster) keyDigests(ctx context.Context) map[string]bool {
	c.t.Helper()
	digests := map[string]bool{}
	for _, h := range c.hosts {
		tg, err := c.conn.attachedAt(ctx, h)
		if err != nil {
			c.t.Fatal(err)
		}
		d, err := tg.secretDigest(ctx, config.SecretClusterKey)
		tg.E.Close()
		if err != nil || d == "" {
			c.t.Fatalf("cluster key on %s: %q %v", h.Host, d, err)
		}
		digests[d] = true
	}
	return digests
}

// checkHosts checks what each host's edge holds: the cluster ports
// published on the host's private address alone, and the bucket's secret
// nowhere in the state volume but the secrets' file (the instances get it
// through their environment, not their config files).
func (c *testCluster) checkHosts(ctx context.Context) {
	t := c.t
	for i, h := range c.hosts {
		tg, err := c.conn.attachedAt(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		ins, err := c.engines[i].Client().ContainerInspect(ctx, tg.EdgeID(), client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		published := 0
		for port, bs := range ins.Container.HostConfig.PortBindings {
			for _, b := range bs {
				if p := int(port.Num()); p == c.cport || p == c.cport+1 {
					published++
					if b.HostIP.String() != h.PrivateAddress || b.HostPort != strconv.Itoa(p) {
						t.Errorf("host %d publishes cluster port %d on %s:%s, want %s", i, p, b.HostIP, b.HostPort, h.PrivateAddress)
					}
				}
			}
		}
		if published != 2 {
			t.Errorf("host %d publishes %d cluster ports, want 2: %v", i, published, ins.Container.HostConfig.PortBindings)
		}
		files := tg.stateFiles(ctx)
		tg.E.Close()
		for name, content := range files {
			if strings.Contains(content, c.bucket.SecretKey) && filepath.Base(name) != "secrets.json" {
				t.Errorf("host %d: %s holds the bucket's secret key", i, name)
			}
		}
		if len(files) == 0 {
			t.Errorf("host %d: no file read from the state volume", i)
		}
	}
}

// stateFiles reads every file of the state volume (tests).
func (t *Target) stateFiles(ctx context.Context) map[string]string {
	res, err := t.E.Client().CopyFromContainer(ctx, t.EdgeID(), client.CopyFromContainerOptions{SourcePath: edgehost.DefaultStateDir})
	if err != nil {
		return nil
	}
	defer res.Content.Close()
	out := map[string]string{}
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if err != nil {
			return out
		}
		if h.Typeflag == tar.TypeReg && h.Size < 4<<20 {
			b, _ := io.ReadAll(tr)
			out[h.Name] = string(b)
		}
	}
}

// boxMoves: the instance that ran the object with a container handed it
// over as it stopped and no instance of its host took it: its container
// there stopped. The next request starts one on the host of whichever
// instance claims the object, and only there.
func (c *testCluster) boxMoves(ctx context.Context) {
	t := c.t
	if counts := c.boxContainers(ctx); counts[0]+counts[1]+counts[2] != 0 {
		t.Errorf("Box's containers per host after every host switched: %v; the object's old host should have stopped its own", counts)
	}
	if code, body := c.get(c.lb.URL() + "/api/box"); code != 200 || !strings.HasPrefix(body, "v2 hello") {
		t.Fatalf("box: %d %q", code, body)
	}
	st, err := Status(ctx, c.conn)
	if err != nil {
		t.Fatal(err)
	}
	counts := c.boxContainers(ctx)
	for _, o := range st.Objects {
		if o.Class != "Box" {
			continue
		}
		for i, h := range c.hosts {
			if want := map[bool]int{true: 1, false: 0}[h.Host == o.Host]; counts[i] != want {
				t.Errorf("Box's containers per host %v; the object runs on %q", counts, o.Host)
			}
		}
	}
}

// failOnOneHost: a version that fails its check on the last host stops
// the deploy there, and the hosts switched before it go back.
func (c *testCluster) failOnOneHost(ctx context.Context, r1 *Result) {
	t := c.t
	last := Conn{Project: c.conn.Project, Host: c.hosts[clusterHosts-1].Host}
	// The reload that puts it fails its check already: the host keeps
	// what it served.
	if err := SecretPut(ctx, last, "BREAK", "1", events.NewEmitter(c.rec)); err == nil {
		t.Fatal("the reload with BREAK set passed its check")
	}
	c.p.write("worker/index.js", clusterWorker("v3"))
	_, err := c.deploy(ctx)
	var hc *HealthCheckError
	if !errors.As(err, &hc) {
		t.Fatalf("a deploy failing its check on the last host: %v", err)
	}
	for i := range c.hosts {
		if _, body := c.get(c.hostURL(i, "/api/version")); body != "v1" {
			t.Errorf("host %d serves %q after a deploy that failed on the last host, want v1", i, body)
		}
	}
	if err := SecretDelete(ctx, last, "BREAK", events.NewEmitter(c.rec)); err != nil {
		t.Fatal(err)
	}
	c.p.write("worker/index.js", clusterWorker("v1"))
}

// logs: valet logs reads every host's edge, each line naming its host.
func (c *testCluster) logs(ctx context.Context) {
	var rec events.Recorder
	if err := Logs(ctx, c.conn, LogsOptions{Events: &rec}); err != nil {
		c.t.Fatal(err)
	}
	hosts := map[string]bool{}
	for _, e := range rec.Events() {
		hosts[e.Host] = true
	}
	if len(hosts) != clusterHosts || hosts[""] {
		c.t.Errorf("logs name the hosts %v, want the %d hosts", hosts, clusterHosts)
	}
}

// destroy removes the app from every host; the bucket stays.
func (c *testCluster) destroy(ctx context.Context) {
	res, err := Destroy(ctx, c.conn, nil)
	if err != nil || res.Hosts != clusterHosts || res.Bucket == "" {
		c.t.Fatalf("destroy: %+v %v", res, err)
	}
	for i, e := range c.engines {
		if left, _ := e.ListByLabels(ctx, map[string]string{engine.LabelApp: c.p.name}); len(left) != 0 {
			c.t.Errorf("left on host %d after destroy: %+v", i, left)
		}
	}
}

// count reads the counter through the load balancer.
func (c *testCluster) count() int {
	c.t.Helper()
	code, body := c.get(c.lb.URL() + "/api/count")
	f := strings.Fields(body)
	if code != 200 || len(f) != 2 {
		c.t.Fatalf("count: %d %q", code, body)
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// rollUnderLoad deploys v2 while wrk loads every route through the load
// balancer, clients increment the counter and hold WebSockets to it: the
// hosts switch one at a time, the counter ends at exactly the number of
// increments acknowledged, no host drops a request, and the WebSockets
// that closed as their object or instance moved are opened again and
// answered by v2.
//
// Requests workerd cuts off in its handoff (knownHandoffCuts) are the one
// failure allowed, and only as the edge answers them: 503 with
// Retry-After, never a dropped connection.
func (c *testCluster) rollUnderLoad(ctx context.Context, r1 *Result) {
	t := c.t
	base := c.count()
	drops := c.lb.drops()
	w := startWrkScript(t, c.lb.URL()+"/", clusterWrkScript)
	inc := startIncrementers(t, c.lb.URL(), 4, "roll")
	ws := startSocketClients(t, c.lb.URL(), 6)
	w.waitMarks("v1")
	inc.waitAcked(t, 50, time.Minute)
	ws.waitEchoes(t, "v1", time.Minute)

	c.p.write("worker/index.js", clusterWorker("v2"))
	start := time.Now()
	r2, err := c.deploy(ctx)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("deploy v2 under load: %v", err)
	}
	w.waitMarks("v2")
	inc.waitAcked(t, 50, time.Minute)
	ws.waitEchoes(t, "v2", time.Minute)
	wr := w.stopCluster()
	inc.finish()
	ws.finish()
	final := c.count()
	dropped := sub(c.lb.drops(), drops)

	var switches []string
	for i, h := range r2.Hosts {
		switches = append(switches, fmt.Sprintf("host %d %s", i, h.Switch.Duration().Round(time.Millisecond)))
	}
	t.Logf("rolling redeploy of %d hosts under load: %s (switches: %s)", len(r2.Hosts), took.Round(time.Millisecond), strings.Join(switches, ", "))
	t.Logf("wrk: %s; v1 answers %d, v2 %d", wr, wr.V1, wr.V2)
	t.Logf("counter: %s; count %d -> %d", inc, base, final)
	closed, reopened := ws.counts()
	t.Logf("WebSockets: %d closed on handoff, %d opened again: %s", closed, reopened, ws)
	t.Logf("requests a host took and dropped (the load balancer's 502), per host: %v", dropped)

	if !r2.Switched || r2.Summary != "worker changed" {
		t.Errorf("deploy v2: %+v", r2)
	}
	// What valet answers for: no host drops a request, nothing but 2xx
	// and the edge's 503 for a cut request, an exact counter.
	if wr.LB != 0 || wr.Other != 0 || wr.socketErrors() != 0 || sum(dropped) != 0 {
		t.Errorf("failed requests other than 503 with Retry-After: %s\n%s", wr, wr.Output)
	}
	if inc.failed.Load() != 0 || inc.lb.Load() != 0 {
		t.Errorf("increments failed: %s", inc)
	}
	for _, at := range inc.unacked() {
		if at.Before(start) || at.After(start.Add(took)) {
			t.Errorf("an increment was not acknowledged at %s, outside the deploy (%s to %s): %s", at.Format(time.StampMilli), start.Format(time.StampMilli), start.Add(took).Format(time.StampMilli), inc)
		}
	}
	if want := base + int(inc.acked.Load()); final != want {
		t.Errorf("the counter ends at %d, want %d (%d before + %d acknowledged)", final, want, base, inc.acked.Load())
	}
	if closed != reopened {
		t.Errorf("%d WebSockets closed and %d were opened again: %s", closed, reopened, ws)
	}
	c.knownHandoffCuts(wr.Retry+int(inc.retry.Load()), clusterHosts, fmt.Sprintf("wrk %d (%s), increments %d %s", wr.Retry, wr.Samples["retry"], inc.retry.Load(), inc))
	for i := range c.hosts {
		if _, body := c.get(c.hostURL(i, "/api/version")); body != "v2" {
			t.Errorf("host %d serves %q after the deploy", i, body)
		}
	}
	vs, err := Versions(ctx, c.conn)
	if err != nil || len(vs) != 2 || !vs[0].Active || vs[0].ID != r2.Version || len(vs[1].KeptOn) != clusterHosts || vs[1].ID != r1.Version {
		t.Errorf("versions: %+v %v", vs, err)
	}
}

// Workerd 1.20261117.1's SIGTERM handoff cuts off a few requests in
// flight (1 to 8, in about 7 runs of 10), reproduced with workerd and an
// S3 server alone, without valet: the connection of a request that
// reached an object being handed off ends without an answer. The edge
// answers them 503 with Retry-After (workerd.Proxy), so a client may send
// them again, as the incrementers do, keeping the counter exact. They are
// the only failure TestClusterDeploy lets pass during a rolling redeploy,
// and only with the workerd it was seen with: with another, the test wants
// none, and whoever bumps workerd finds out whether it was fixed.
const (
	cutsWorkerd        = "1.20261117.1"
	cutsWorkerdVersion = "workerd 2026-11-17" // its --version
	cutsPerHandoff     = 8
	cutsWorkerdNote    = "workerd " + cutsWorkerd + "'s SIGTERM handoff cut off requests in flight on objects it handed over (known; seen without valet)"
)

// knownHandoffCuts checks the requests workerd cut off as handoffs
// stopped instances: none, or, with the workerd known for it, a few.
func (c *testCluster) knownHandoffCuts(cuts, handoffs int, evidence string) {
	t := c.t
	t.Logf("requests cut off by workerd's handoff, answered 503 with Retry-After by the edge: %d", cuts)
	if cuts == 0 {
		return
	}
	if cuts > cutsPerHandoff*handoffs {
		t.Errorf("%d requests cut off in %d handoffs, more than the %d per handoff known of workerd %s: %s", cuts, handoffs, cutsPerHandoff, cutsWorkerd, evidence)
		return
	}
	workerdtest.KnownShortfall(t, cutsWorkerdVersion, fmt.Sprintf("%s: %d in %d handoffs, answered 503 with Retry-After", cutsWorkerdNote, cuts, handoffs), evidence)
}

func sub(a, b []int64) []int64 {
	out := make([]int64, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}

func sum(a []int64) int64 {
	var n int64
	for _, v := range a {
		n += v
	}
	return n
}

// noChange measures a deploy that changes nothing on three hosts.
func (c *testCluster) noChange(ctx context.Context) {
	t := c.t
	start := time.Now()
	r, err := c.deploy(ctx)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("no-change deploy to %d hosts: %s, %d bytes sent", len(r.Hosts), took.Round(time.Millisecond), r.Bytes)
	if r.Switched || r.Bytes != 0 || len(r.Hosts) != clusterHosts {
		t.Errorf("no-change deploy: %+v", r)
	}
}

// rollBack rolls the hosts back to v1, one at a time.
func (c *testCluster) rollBack(ctx context.Context, r1 *Result) {
	t := c.t
	start := time.Now()
	rb, err := Rollback(ctx, c.conn, "", events.NewEmitter(c.rec))
	if err != nil || rb.Version != r1.Version || len(rb.Hosts) != clusterHosts {
		t.Fatalf("rollback: %+v %v", rb, err)
	}
	t.Logf("rollback of %d hosts: %s", len(rb.Hosts), time.Since(start).Round(time.Millisecond))
	for i := range c.hosts {
		if _, body := c.get(c.hostURL(i, "/api/version")); body != "v1" {
			t.Errorf("host %d serves %q after the rollback", i, body)
		}
	}
}

// killOwner kills the edge of the host whose instance runs the counter
// (kill -9 of its process: the container dies with workerd) while wrk
// loads every route through the load balancer and clients increment the
// counter. Its engine restarts the edge, as after a crash, unless
// keepDown: then the host stays down, as a machine that died, and is
// brought back at the end. The counter answers again within the lease,
// from whichever instance a request reaches first once the lease expired
// (with keepDown, another host's); no acknowledged increment is lost;
// meanwhile its requests wait or get 503 with Retry-After from the other
// hosts' edges, and only the killed host drops connections (those it
// held as it died, and those its address still took: see
// roundRobin.stray); valet status shows the restart or the host down, and
// the counter taken over at a higher epoch.
func (c *testCluster) killOwner(ctx context.Context, keepDown bool) {
	t := c.t
	what := "kill -9 of the edge of host %d, which ran the counter (its engine restarts it)"
	if keepDown {
		what = "kill -9 of the edge of host %d, which ran the counter, the host kept down"
	}
	base := c.count()
	owner, epoch := c.counterOwner(ctx)
	what = fmt.Sprintf(what, owner)
	e := c.engines[owner]
	list, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: c.p.name, LabelRole: "edge"})
	if err != nil || len(list) != 1 {
		t.Fatalf("edge on host %d: %+v %v", owner, list, err)
	}
	edge := list[0].ID
	ins, err := e.Client().ContainerInspect(ctx, edge, client.ContainerInspectOptions{})
	if err != nil || ins.Container.State == nil || ins.Container.State.Pid == 0 {
		t.Fatalf("inspect the edge: %v", err)
	}
	restarts := ins.Container.RestartCount
	if keepDown {
		// As a machine that died: nothing brings the edge back.
		if _, err := e.Client().ContainerUpdate(ctx, edge, client.ContainerUpdateOptions{RestartPolicy: &container.RestartPolicy{Name: container.RestartPolicyDisabled}}); err != nil {
			t.Fatal(err)
		}
	}
	drops := c.lb.drops()
	w := startWrkScript(t, c.lb.URL()+"/", clusterWrkScript)
	inc := startIncrementers(t, c.lb.URL(), 4, fmt.Sprintf("kill%v", keepDown))
	w.waitMarks("v1")
	inc.waitAcked(t, 50, time.Minute)

	killed := time.Now()
	if err := syscall.Kill(ins.Container.State.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	strays := c.lb.strayAnswers()
	c.lb.down(owner, true)
	if !keepDown {
		// Up again once its engine runs the edge again.
		watch, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		go func() {
			for watch.Err() == nil {
				ins, err := e.Client().ContainerInspect(watch, edge, client.ContainerInspectOptions{})
				if err == nil && ins.Container.RestartCount > restarts && ins.Container.State != nil && ins.Container.State.Running {
					c.lb.down(owner, false)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	lease := 20 * time.Second / testDivisor
	inc.waitAcked(t, 100, lease+30*time.Second)
	wr := w.stopCluster()
	inc.finish()
	final := c.count()
	dropped := sub(c.lb.drops(), drops)
	gap, gapAt := inc.longestGap(killed.Add(-time.Second))
	resumed := gapAt.Add(gap).Sub(killed)

	st := c.statusWhen(ctx, func(st *StatusResult) bool {
		for i, h := range st.Hosts {
			if h.Ready == (keepDown && i == owner) {
				return false
			}
		}
		return true
	})
	now, nowEpoch := ownerIn(c, st)
	t.Logf("%s: the counter answered again %s after the kill, on host %d (no increment acknowledged for %s; lease %s = workerd's 20s / unsafeTimeDivisor %d)",
		what, resumed.Round(time.Millisecond), now, gap.Round(time.Millisecond), lease, testDivisor)
	during := c.lb.tally(killed, killed.Add(resumed), "/api/count", "/api/inc")
	t.Logf("requests to the counter begun from the kill until it answered again: %s", during)
	t.Logf("wrk, from before the kill to after the counter came back: %s", wr)
	t.Logf("increments: %s; count %d -> %d", inc, base, final)
	t.Logf("requests a host took and dropped (the load balancer's 502), per host: %v; the killed host's last %s after the kill; of them, answered by its address but not by its edge (dockerd's proxy relaying to the dead container): %v",
		dropped, c.lb.lastDropAt(owner).Sub(killed).Round(time.Millisecond), sub(c.lb.strayAnswers(), strays))
	t.Logf("valet status after it:\n%s", statusTable(st))

	if inc.failed.Load() != 0 || wr.Other != 0 || wr.socketErrors() != 0 {
		t.Errorf("requests failed otherwise than with a 503 and Retry-After or dropped by the killed host: %s; wrk %s", inc, wr)
	}
	if during.Other != 0 {
		t.Errorf("requests to the counter during the lease answered otherwise than 2xx or 503 with Retry-After: %s", during)
	}
	if want := base + int(inc.acked.Load()); final != want {
		t.Errorf("the counter ends at %d, want %d (%d before + %d acknowledged)", final, want, base, inc.acked.Load())
	}
	for i, n := range dropped {
		if i != owner && n != 0 {
			t.Errorf("host %d, which was not killed, dropped %d requests: %v", i, n, dropped)
		}
	}
	if resumed > lease+3*time.Second {
		t.Errorf("the counter answered again %s after the kill, more than the lease (%s)", resumed, lease)
	}
	h := st.Hosts[owner]
	switch {
	case keepDown && (h.Edge == "running" || h.Ready || now == owner):
		t.Errorf("status of the host kept down: %+v; the counter on host %d", h, now)
	case !keepDown && (h.EdgeRestarts <= restarts || h.Edge != "running"):
		t.Errorf("status: the killed edge shows no restart (%d before): %+v", restarts, h)
	}
	if now < 0 || nowEpoch <= epoch {
		t.Errorf("status: the counter on host %d at epoch %d, want it running with an epoch above %d (taken over)", now, nowEpoch, epoch)
	}
	for _, m := range st.Members {
		if keepDown && m.Host == c.hosts[owner].Host && !m.Expired {
			t.Errorf("status: the dead host's instance holds a lease: %+v", m)
		}
	}
	if !keepDown {
		return
	}
	// The host comes back.
	if _, err := e.Client().ContainerUpdate(ctx, edge, client.ContainerUpdateOptions{RestartPolicy: &container.RestartPolicy{Name: container.RestartPolicyUnlessStopped}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client().ContainerStart(ctx, edge, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	c.lb.down(owner, false)
	c.statusWhen(ctx, func(st *StatusResult) bool { return st.Hosts[owner].Ready })
	if code, body := c.get(c.hostURL(owner, "/api/count")); code != 200 || body != fmt.Sprintf("%d v1", final) {
		t.Errorf("the host brought back answers %d %q, want the count %d", code, body, final)
	}
}

// counterOwner is the host whose instance runs the counter, and its
// epoch.
func (c *testCluster) counterOwner(ctx context.Context) (int, int64) {
	st, err := Status(ctx, c.conn)
	if err != nil {
		c.t.Fatal(err)
	}
	host, epoch := ownerIn(c, st)
	if host < 0 {
		c.t.Fatalf("no host runs the counter: %+v", st.Objects)
	}
	return host, epoch
}

func ownerIn(c *testCluster, st *StatusResult) (int, int64) {
	for _, o := range st.Objects {
		if o.Class == "Counter" && o.State == "running" {
			for i, h := range c.hosts {
				if h.Host == o.Host {
					return i, o.Epoch
				}
			}
		}
	}
	return -1, 0
}

// statusWhen reads valet status until ok says it shows what is awaited
// (a host ready, or down), within a minute.
func (c *testCluster) statusWhen(ctx context.Context, ok func(*StatusResult) bool) *StatusResult {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := Status(ctx, c.conn)
		if err != nil {
			c.t.Fatal(err)
		}
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("valet status did not show what was awaited within a minute:\n%s", statusTable(st))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// statusTable is st in a few lines, as valet status shows it.
func statusTable(st *StatusResult) string {
	var b strings.Builder
	for _, h := range st.Hosts {
		fmt.Fprintf(&b, "  host %s: edge %s (%d restarts), version %s, ready %v\n", h.PrivateAddress, h.Edge, h.EdgeRestarts, h.Active, h.Ready)
	}
	for _, m := range st.Members {
		state := "lease expires " + m.Expires.Sub(st.Read).Round(100*time.Millisecond).String() + " from now"
		if m.Expired {
			state = "lease expired " + st.Read.Sub(m.Expires).Round(100*time.Millisecond).String() + " ago"
		}
		fmt.Fprintf(&b, "  instance %s: %s\n", m.Address, state)
	}
	for _, o := range st.Objects {
		fmt.Fprintf(&b, "  object %s %.12s: %s at %s, epoch %d\n", o.Class, o.ID, o.State, o.Instance, o.Epoch)
	}
	return strings.TrimRight(b.String(), "\n")
}
