package edgehost

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// serveWithWorkerd is serveHost with a workerd to run the versions' workers.
func serveWithWorkerd(t *testing.T, dir, control, bin string) *host {
	t.Helper()
	return serveWithClock(t, dir, control, bin, nil)
}

// bindingsWorker stores ?v= in KV, D1 and R2 on POST and reads all three.
func bindingsWorker(v string) string {
	return `export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    if (u.pathname === "/health") return new Response("ok");
    await env.DB.exec("CREATE TABLE IF NOT EXISTS notes (v TEXT)");
    if (req.method === "POST") {
      const v = u.searchParams.get("v");
      await env.KV.put("note", v);
      await env.DB.prepare("INSERT INTO notes (v) VALUES (?)").bind(v).run();
      await env.FILES.put("note.txt", v);
      return new Response("stored " + v);
    }
    const o = await env.FILES.get("note.txt");
    const rows = (await env.DB.prepare("SELECT v FROM notes").raw()).map((r) => r[0]).join(",");
    return new Response("` + v + ` kv=" + (await env.KV.get("note")) + " d1=" + rows + " r2=" + (o ? await o.text() : null));
  },
};
`
}

func send(t *testing.T, method, url string) string {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s %s = %d %s", method, url, res.StatusCode, b)
	}
	return string(b)
}

// TestBindingDataInStateVolume: a version's KV, D1 and R2 data lives in the
// state directory beside the versions, so the next version, a rollback
// and a restarted edge all see it.
func TestBindingDataInStateVolume(t *testing.T) {
	bin := workerdtest.Binary(t)
	dir := t.TempDir()
	control := filepath.Join(t.TempDir(), "c.sock")
	h := serveWithWorkerd(t, dir, control, bin)
	ctx := context.Background()
	cfg := `{"name":"demo","main":"worker.js","compatibility_date":"2025-06-01",
		"kv_namespaces":[{"binding":"KV","id":"kv-1"}],
		"d1_databases":[{"binding":"DB","database_name":"main","database_id":"d1-1"}],
		"r2_buckets":[{"binding":"FILES","bucket_name":"files"}],
		"deploy":{"healthcheck":{"path":"/health","interval":"50ms","deadline":"10s"}}}`
	activate := func(tx, script string) string {
		t.Helper()
		m := upload(t, h.store, tx, script, nil, cfg)
		if _, err := h.store.Stage(tx); err != nil {
			t.Fatal(err)
		}
		if res, err := activateVia(ctx, control, m.Version); err != nil || !res.OK {
			t.Fatalf("activate %s: %+v %v", tx, res, err)
		}
		return m.Version
	}
	v1 := activate("tx1", bindingsWorker("v1"))
	if got := send(t, "POST", h.url+"/?v=a"); got != "stored a" {
		t.Fatalf("write: %q", got)
	}
	activate("tx2", bindingsWorker("v2"))
	if got := send(t, "GET", h.url+"/"); got != "v2 kv=a d1=a r2=a" {
		t.Fatalf("after a redeploy: %q", got)
	}
	if res, err := activateVia(ctx, control, v1); err != nil || !res.OK {
		t.Fatalf("rollback: %+v %v", res, err)
	}
	if got := send(t, "GET", h.url+"/"); got != "v1 kv=a d1=a r2=a" {
		t.Fatalf("after a rollback: %q", got)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	h = serveWithWorkerd(t, dir, control, bin)
	if got := send(t, "GET", h.url+"/"); got != "v1 kv=a d1=a r2=a" {
		t.Fatalf("after the edge restarted: %q", got)
	}
	// Where it lives: under the state directory, not a version's.
	for _, sub := range []string{"kv/KVNamespace", "d1/D1Database", "r2/files/index.sqlite"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err != nil {
			t.Errorf("data not in the state directory: %v", err)
		}
	}
}

// TestR2BucketInS3OnHost: a bucket whose config names an S3-compatible
// store lives there on the host (credentials from the host's secrets), and
// the next version reads it.
func TestR2BucketInS3OnHost(t *testing.T) {
	bin := workerdtest.Binary(t)
	backend := s3mem.New()
	if err := backend.CreateBucket("store"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	defer s3.Close()
	dir := t.TempDir()
	control := filepath.Join(t.TempDir(), "c.sock")
	h := serveWithWorkerd(t, dir, control, bin)
	ctx := context.Background()
	for k, v := range map[string]string{"S3_KEY": "key", "S3_SECRET": "secret"} {
		if _, err := h.store.PutSecret(k, v, false); err != nil {
			t.Fatal(err)
		}
	}
	cfg := `{"name":"demo","main":"worker.js","compatibility_date":"2025-06-01",
		"r2_buckets":[{"binding":"FILES","bucket_name":"files","s3":{"endpoint":"` + s3.URL + `","bucket":"store","prefix":"demo/",
			"access_key_id_secret":"S3_KEY","secret_access_key_secret":"S3_SECRET"}}],
		"deploy":{"healthcheck":{"path":"/health","interval":"50ms","deadline":"10s"}}}`
	script := func(v string) string {
		return `export default { async fetch(req, env) {
  const u = new URL(req.url);
  if (u.pathname === "/health") return new Response("ok");
  if (req.method === "POST") { await env.FILES.put("note.txt", "` + v + `", { customMetadata: { by: "` + v + `" } }); return new Response("stored"); }
  const o = await env.FILES.get("note.txt");
  return new Response("` + v + ` read " + (o ? (await o.text()) + " by " + o.customMetadata.by : null));
} };`
	}
	for i, v := range []string{"v1", "v2"} {
		tx := "tx" + string(rune('1'+i))
		m := upload(t, h.store, tx, script(v), nil, cfg)
		if _, err := h.store.Stage(tx); err != nil {
			t.Fatal(err)
		}
		if res, err := activateVia(ctx, control, m.Version); err != nil || !res.OK {
			t.Fatalf("activate %s: %+v %v", v, res, err)
		}
		if v == "v1" {
			send(t, "POST", h.url+"/")
		}
	}
	if got := send(t, "GET", h.url+"/"); got != "v2 read v1 by v1" {
		t.Fatalf("v2 reads %q", got)
	}
	obj, err := backend.GetObject("store", "demo/note.txt", nil)
	if err != nil {
		t.Fatalf("the object is not in the S3 store: %v", err)
	}
	defer obj.Contents.Close()
	if b, _ := io.ReadAll(obj.Contents); string(b) != "v1" {
		t.Errorf("stored %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "r2", "files")); err == nil {
		t.Error("the bucket is on the host's disk too")
	}
}
