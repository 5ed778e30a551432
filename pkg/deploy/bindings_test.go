package deploy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

// newBindingsProject is an app with a KV namespace, a D1 database and an R2
// bucket: POST /api/write?v=X stores X in all three, GET /api/read answers
// what each holds.
func newBindingsProject(t *testing.T) *project {
	t.Helper()
	p := emptyProject(t, "db-")
	p.write("valet.jsonc", fmt.Sprintf(`{
  "name": %q,
  "main": "worker/index.js",
  "compatibility_date": "2025-06-01",
  "kv_namespaces": [{ "binding": "KV", "id": "kv-1" }],
  "d1_databases": [{ "binding": "DB", "database_name": "main", "database_id": "d1-1" }],
  "r2_buckets": [{ "binding": "FILES", "bucket_name": "files" }],
  "deploy": { "port": %d, "healthcheck": { "path": "/api/health", "interval": "100ms", "deadline": "30s" } }
}`, p.name, p.port))
	p.bindingsWorker("v1")
	return p
}

func (p *project) bindingsWorker(v string) {
	p.write("worker/index.js", `export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    if (u.pathname === "/api/health") return new Response("ok");
    await env.DB.exec("CREATE TABLE IF NOT EXISTS notes (v TEXT)");
    if (req.method === "POST") {
      const v = u.searchParams.get("v");
      await env.KV.put("note", v, { metadata: { v } });
      await env.DB.prepare("INSERT INTO notes (v) VALUES (?)").bind(v).run();
      await env.FILES.put("note.txt", v, { customMetadata: { v } });
      return new Response("stored " + v);
    }
    const kv = await env.KV.get("note");
    const rows = (await env.DB.prepare("SELECT v FROM notes").raw()).map((r) => r[0]).join(",");
    const o = await env.FILES.get("note.txt");
    return new Response("`+v+` kv=" + kv + " d1=" + rows + " r2=" + (o ? await o.text() : null));
  },
};
`)
}

// TestDeployKeepsBindingData: KV, D1 and R2 data lives in the app's state
// volume, so a redeploy, a rollback and a restart of the edge all see it.
func TestDeployKeepsBindingData(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := newBindingsProject(t)
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)
	if got := request(t, "POST", p.url("/api/write?v=a")); got != "stored a" {
		t.Fatalf("write: %q", got)
	}
	want := func(v string) string { return v + " kv=a d1=a r2=a" }
	if got := request(t, "GET", p.url("/api/read")); got != want("v1") {
		t.Fatalf("v1 reads %q", got)
	}

	p.bindingsWorker("v2")
	if r := d.mustDeploy(ctx); !r.Switched {
		t.Fatalf("redeploy: %+v", r)
	}
	if got := request(t, "GET", p.url("/api/read")); got != want("v2") {
		t.Fatalf("after the redeploy: %q", got)
	}

	if _, err := Rollback(ctx, d.conn, "", events.NewEmitter(d.rec)); err != nil {
		t.Fatal(err)
	}
	if got := request(t, "GET", p.url("/api/read")); got != want("v1") {
		t.Fatalf("after the rollback: %q", got)
	}

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
	if err := tg.ensureEdgeStarted(ctx); err != nil {
		t.Fatal(err)
	}
	if got := request(t, "GET", p.url("/api/read")); !strings.HasSuffix(got, "kv=a d1=a r2=a") {
		t.Fatalf("after the edge restarted: %q", got)
	}
}
