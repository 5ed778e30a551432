package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
    if (u.pathname === "/api/health") return new Response("ok");
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
	c.cport = freePortPair(t)
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
    "healthcheck": { "path": "/api/health", "interval": "100ms", "deadline": "30s" }
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

// freePortPair is a port p free on every address with p+1 free too: a
// host's two cluster ports.
func freePortPair(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", ":"+strconv.Itoa(p+1))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no pair of free ports")
	return 0
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
// valet versions show the three hosts.
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
	digests := map[string]bool{}
	for _, h := range c.hosts {
		tg, err := c.conn.attachedAt(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		d, err := tg.secretDigest(ctx, config.SecretClusterKey)
		tg.E.Close()
		if err != nil || d == "" {
			t.Fatalf("cluster key on %s: %q %v", h.Host, d, err)
		}
		digests[d] = true
	}
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
}
