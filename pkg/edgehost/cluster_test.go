package edgehost

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd/clustertest"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// clusterWorker counts in the Durable Object "c" and says which version
// ran it; /env lists the names of the worker's env, where the cluster's
// secrets must not be.
func clusterWorker(version string) string {
	return `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async fetch(req) {
    let n = (await this.ctx.storage.get("n")) || 0;
    if (new URL(req.url).pathname === "/inc") await this.ctx.storage.put("n", ++n);
    return new Response(n + " ` + version + `");
  }
}
export default {
  fetch(req, env) {
    if (new URL(req.url).pathname === "/env") return new Response(Object.keys(env).sort().join(","));
    return env.COUNTER.getByName("c").fetch(req);
  },
};
`
}

// clusterHost is an edge server joined to a cluster on its own port pair.
type clusterHost struct {
	store   *Store
	url     string
	control string
	port    int
}

func serveClusterHost(t *testing.T) *clusterHost {
	t.Helper()
	dir := t.TempDir()
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	port := clustertest.PortPair(t, "127.0.0.1")
	control := filepath.Join(t.TempDir(), "c.sock")
	ctx, cancel := context.WithCancel(context.Background())
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	logs := &edgeLogs{}
	go func() {
		done <- Serve(ctx, ServeOptions{StateDir: dir, Addr: "127.0.0.1:0", Control: control, Workerd: workerdtest.Binary(t), Out: logs,
			Cluster: ClusterHost{Addr: "127.0.0.1:" + strconv.Itoa(port), UnsafeTimeDivisor: 5, StopTimeout: 2 * time.Second},
			Ready:   func(u string) { urlc <- u }})
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("edge on cluster port %d, its log without requests:\n%s", port, logs)
		}
	})
	select {
	case u := <-urlc:
		t.Cleanup(func() { cancel(); <-done })
		return &clusterHost{store: s, url: u, control: control, port: port}
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
		return nil
	}
}

// TestClusterHostsShareObjects: three edges, each a host of one cluster,
// serve one version whose config names the bucket: any host reaches the
// one counter; the bucket's credentials and the cluster key come from each
// host's secrets and stay out of the worker's env; a switch on one host
// starts the new version's instance on the host's other port beside the
// one in service, which hands its objects over as it stops; the status
// shows each host's instances, readiness and cluster address, and the
// bucket's records say which instance owns the object.
func TestClusterHostsShareObjects(t *testing.T) {
	bucket := clustertest.Start(t)
	cfg := fmt.Sprintf(`{"name":"demo","compatibility_date":"2025-06-01",
"durable_objects":{"bindings":[{"name":"COUNTER","class_name":"Counter"}]},
"migrations":[{"tag":"v1","new_sqlite_classes":["Counter"]}],
"deploy":{"cluster":{"bucket":%q,"endpoint":%q,"region":%q},"healthcheck":{"path":"/get","interval":"50ms","deadline":"10s"}}}`,
		bucket.URL("demo"), bucket.Endpoint, bucket.Region)
	key := strings.Repeat("k", 64)
	ctx := context.Background()
	var hosts []*clusterHost
	var v1 string
	for i := 0; i < 3; i++ {
		h := serveClusterHost(t)
		for name, value := range map[string]string{
			config.SecretClusterKey: key, config.SecretClusterAccessKeyID: bucket.AccessKey,
			config.SecretClusterSecretAccessKey: bucket.SecretKey, "TOKEN": "t",
		} {
			if _, err := h.store.PutSecret(name, value, false); err != nil {
				t.Fatal(err)
			}
		}
		m := upload(t, h.store, "tx1", clusterWorker("v1"), nil, cfg)
		if _, err := h.store.Stage("tx1"); err != nil {
			t.Fatal(err)
		}
		if res, err := activateVia(ctx, h.control, m.Version); err != nil || !res.OK {
			t.Fatalf("activate v1 on host %d: %+v %v", i, res, err)
		}
		v1 = m.Version
		hosts = append(hosts, h)
	}
	for i := 1; i <= 9; i++ {
		h := hosts[i%3]
		if _, body := get(t, h.url+"/inc"); body != fmt.Sprintf("%d v1", i) {
			t.Fatalf("increment %d through host %d: %q", i, i%3, body)
		}
	}
	if _, body := get(t, hosts[0].url+"/env"); !strings.Contains(body, "TOKEN") || strings.Contains(body, ClusterSecretPrefix) {
		t.Fatalf("the worker's env: %q, want TOKEN and none of %s* (the cluster's secrets are workerd's)", body, ClusterSecretPrefix)
	}

	// Each host runs one ready instance on its first port; one of them
	// built the object.
	owner := -1
	for i, h := range hosts {
		st, err := statusVia(ctx, h.control, false)
		if err != nil {
			t.Fatal(err)
		}
		want := "127.0.0.1:" + strconv.Itoa(h.port)
		if len(st.Instances) != 1 || !st.Instances[0].Ready || !st.Instances[0].Serving || st.Instances[0].Cluster != want || st.Active != v1 {
			t.Fatalf("status of host %d: %+v, want one ready instance of %s at %s", i, st, v1, want)
		}
		if len(st.Instances[0].Objects) == 1 {
			owner = i
		}
	}
	if owner < 0 {
		t.Fatal("no host says it built the counter")
	}

	// v2 on the owner's host: a new instance on its other port; the old
	// one hands the counter over as it stops.
	h := hosts[owner]
	m2 := upload(t, h.store, "tx2", clusterWorker("v2"), nil, cfg)
	if _, err := h.store.Stage("tx2"); err != nil {
		t.Fatal(err)
	}
	if res, err := activateVia(ctx, h.control, m2.Version); err != nil || !res.OK {
		t.Fatalf("activate v2: %+v %v", res, err)
	}
	// The stopped instance released the counter; the next request claims
	// it wherever it arrives.
	if _, body := get(t, hosts[(owner+1)%3].url+"/inc"); body != "10 v1" && body != "10 v2" {
		t.Fatalf("the 10th increment, after the handoff: %q", body)
	}
	st, err := statusVia(ctx, h.control, true)
	if err != nil {
		t.Fatal(err)
	}
	want := "127.0.0.1:" + strconv.Itoa(h.port+1)
	if len(st.Instances) != 1 || st.Instances[0].Version != m2.Version || st.Instances[0].Cluster != want || !st.Instances[0].Ready {
		t.Fatalf("status after the switch: %+v, want one ready instance of %s at %s", st, m2.Version, want)
	}
	b := st.Bucket
	if b == nil || b.Error != "" || len(b.Objects) != 1 {
		t.Fatalf("bucket view: %+v", b)
	}
	addr := ""
	for _, n := range b.Nodes {
		if n.Node == b.Objects[0].Node {
			addr = n.Address
		}
	}
	t.Logf("bucket: nodes %+v; the counter is owned by %s (%s), epoch %d", b.Nodes, b.Objects[0].Node, addr, b.Objects[0].Epoch)
	if addr == "" || addr == "127.0.0.1:"+strconv.Itoa(h.port) {
		t.Fatalf("the counter's owner in the bucket is %q: not a live instance", addr)
	}
}
