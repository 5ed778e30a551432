package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

// newAsyncProject is an app with a queue whose consumer retries a message
// while the app holds it, and a Workflow that waits for an event
// (testdata/host/async-worker.js).
func newAsyncProject(t *testing.T) *project {
	t.Helper()
	p := emptyProject(t, "async-")
	p.write("valet.jsonc", fmt.Sprintf(`{
  "name": %q,
  "main": "worker/index.js",
  "compatibility_date": "2025-06-01",
  "durable_objects": { "bindings": [{ "name": "LOG", "class_name": "Log" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Log"] }],
  "queues": {
    "producers": [{ "binding": "Q", "queue": "held" }],
    "consumers": [{ "queue": "held", "max_batch_timeout": 0, "max_retries": 100, "retry_delay": 1 }]
  },
  "workflows": [{ "name": "approval", "binding": "WF", "class_name": "Approval" }],
  "deploy": { "port": %d, "healthcheck": { "path": "/api/health", "interval": "100ms", "deadline": "30s" } }
}`, p.name, p.port))
	p.asyncWorker("v1")
	return p
}

// asyncWorker is version v of testdata/host/async-worker.js.
func (p *project) asyncWorker(v string) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "host", "async-worker.js"))
	if err != nil {
		p.t.Fatal(err)
	}
	p.write("worker/index.js", strings.ReplaceAll(string(b), "__VERSION__", v))
}

// TestDeployKeepsAsyncData: a queued message and a waiting Workflow
// instance live in the app's state volume, so a redeploy, a rollback and a
// restart of the edge container keep them; the version serving then
// delivers the message and completes the instance.
func TestDeployKeepsAsyncData(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := newAsyncProject(t)
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)
	if got := request(t, "GET", p.url("/api/hold")); got != "held" {
		t.Fatalf("hold: %q", got)
	}
	if got := request(t, "GET", p.url("/api/wait?tag=attempt")); !strings.Contains(got, `"attempts":1,"by":"v1"`) {
		t.Fatalf("the consumer never saw the message: %q", got)
	}
	if got := request(t, "GET", p.url("/api/start?id=w")); got != "w" {
		t.Fatalf("start: %q", got)
	}

	p.asyncWorker("v2")
	if r := d.mustDeploy(ctx); !r.Switched {
		t.Fatalf("redeploy: %+v", r)
	}
	if _, err := Rollback(ctx, d.conn, "", events.NewEmitter(d.rec)); err != nil {
		t.Fatal(err)
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
	if got := request(t, "GET", p.url("/")); got != "v1" {
		t.Fatalf("after the rollback and the restart: %q", got)
	}

	request(t, "GET", p.url("/api/release"))
	if got := request(t, "GET", p.url("/api/wait?tag=acked")); !strings.Contains(got, `"tag":"acked"`) || strings.Contains(got, `"attempts":1,`) {
		t.Errorf("delivered %q, want the message held since before the redeploy (attempt 2 or later)", got)
	}
	if got := request(t, "GET", p.url("/api/finish?id=w")); !strings.Contains(got, `"status":"complete"`) || !strings.Contains(got, `"output":"started by v1, finished by v1"`) {
		t.Errorf("the instance ended %q", got)
	}
}
