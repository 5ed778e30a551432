package appserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/edge"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/clustertest"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

const clusterConfig = `{
	"name": "counter",
	"compatibility_date": "2025-06-01",
	"durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
	"migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]
}`

const clusterWorker = `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
	async fetch(req) {
		const n = ((await this.ctx.storage.get("n")) || 0) + 1;
		await this.ctx.storage.put("n", n);
		return new Response(String(n));
	}
}
export default { fetch(req, env) { return env.COUNTER.get(env.COUNTER.idFromName("one")).fetch(req); } };`

// TestClusterVersions: two versions of an app on one host, each a workerd
// instance of one cluster (as during a deploy), share the app's Durable
// Objects; closing the one that runs an object hands it to the other,
// with its state.
func TestClusterVersions(t *testing.T) {
	bin := workerdtest.Binary(t)
	bucket := clustertest.Start(t)
	cfg, _, err := config.Parse("valet.jsonc", []byte(clusterConfig))
	if err != nil {
		t.Fatal(err)
	}
	cluster := &workerd.Cluster{
		Bucket: bucket.URL("counter"), Endpoint: bucket.Endpoint, Region: bucket.Region,
		CredentialsFile: bucket.CredentialsFile, Key: strings.Repeat("k", 32), UnsafeTimeDivisor: 10,
		StopTimeout: 4 * time.Second,
	}
	objects := workerd.NewClusterObjects()
	start := func(name string) (*App, *httptest.Server) {
		t.Helper()
		app, err := New(context.Background(), Version{
			Config: cfg, Dir: t.TempDir(), Script: []byte(clusterWorker), Exports: []string{"default", "Counter"},
		}, Options{
			Events: events.NewEmitter(events.SinkFunc(func(events.Event) {})), Workerd: bin,
			RunDir: t.TempDir(), PersistTo: t.TempDir(), Objects: objects,
			Cluster: cluster, ClusterAddr: "127.0.0.1:0",
		})
		if err != nil {
			t.Fatalf("version %s: %v", name, err)
		}
		t.Cleanup(func() { app.Close() })
		srv := httptest.NewServer(edge.New(app.Edge))
		t.Cleanup(srv.Close)
		if err := app.Ready(context.Background()); err != nil || app.ClusterAddr() == "" {
			t.Fatalf("version %s: ready %v, cluster address %q", name, err, app.ClusterAddr())
		}
		return app, srv
	}
	inc := func(srv *httptest.Server) string {
		t.Helper()
		resp, err := http.Post(srv.URL+"/", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("POST: %d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	v1, s1 := start("v1")
	_, s2 := start("v2")
	for i, want := range []string{"1", "2", "3", "4"} {
		if got := inc([]*httptest.Server{s1, s2}[i%2]); got != want {
			t.Fatalf("increment %d: %s, want %s", i+1, got, want)
		}
	}
	if err := v1.Close(); err != nil {
		t.Fatal(err)
	}
	if got := inc(s2); got != "5" {
		t.Fatalf("after the first version closed: %s, want 5", got)
	}
}
