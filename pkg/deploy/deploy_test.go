package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy/deploytest"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(envSecretChild) != "" {
		os.Exit(runSecretChild())
	}
	if os.Getenv(envChild) != "" {
		os.Exit(runChild())
	}
	dir, err := os.MkdirTemp("", "valet-edgebin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	edgeDir = dir
	code := enginetest.Run(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// edgeDir holds the edge binary, built once per run when a test first
// needs it (deploytest.BuildEdge), removed at the end.
var (
	edgeDir  string
	edgeOnce = sync.OnceValues(func() (string, error) { return deploytest.BuildEdge(edgeDir) })
)

func edgeBinary(t *testing.T) string {
	t.Helper()
	p, err := edgeOnce()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// project is a worker+assets app in a temp dir.
type project struct {
	t    *testing.T
	dir  string
	name string
	port int
}

// emptyProject is a project directory with nothing in it yet, its app
// named prefix and random hex (the engines are shared between tests), and
// a free port for its edge.
func emptyProject(t *testing.T, prefix string) *project {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &project{t: t, dir: t.TempDir(), name: prefix + hex.EncodeToString(b), port: freePort(t)}
}

func newProject(t *testing.T, extra string) *project {
	t.Helper()
	p := emptyProject(t, "dt-")
	p.write("valet.jsonc", fmt.Sprintf(`{
  "name": %q,
  "main": "worker/index.js",
  "compatibility_date": "2025-06-01",
  "assets": { "directory": "public", "run_worker_first": ["/api/*"] },
  "deploy": { "port": %d, "healthcheck": { "path": "/api/health", "interval": "100ms", "deadline": "2s" } %s }
}`, p.name, p.port, extra))
	p.worker("v1")
	p.write("public/index.html", "<h1>hello</h1>")
	return p
}

func (p *project) write(name, content string) {
	p.t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// worker writes a worker answering /api/version with v; /api/health fails
// with 500 when v is "broken".
func (p *project) worker(v string) {
	p.write("worker/index.js", `export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    if (u.pathname === "/api/health") {
      if ("`+v+`" === "broken") { console.log("broken on purpose"); return new Response("no", { status: 500 }); }
      return new Response("ok");
    }
    if (u.pathname === "/api/secret") return new Response(env.TOKEN ?? "unset");
    if (u.pathname === "/api/slow") { await new Promise(r => setTimeout(r, 300)); return new Response("slow `+v+`"); }
    return new Response("`+v+`");
  }
};
`)
}

func (p *project) load() *config.Project {
	p.t.Helper()
	proj, err := config.Load(config.LoadOptions{Path: filepath.Join(p.dir, "valet.jsonc")})
	if err != nil {
		p.t.Fatal(err)
	}
	return proj
}

func (p *project) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path) }

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// deployer runs deploys of p against host.
type deployer struct {
	t    *testing.T
	p    *project
	conn Conn
	rec  *events.Recorder
}

func newDeployer(t *testing.T, p *project, host string) *deployer {
	d := &deployer{t: t, p: p, conn: Conn{Project: p.load(), Host: host}, rec: &events.Recorder{}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := Destroy(ctx, d.conn, nil); err != nil {
			t.Errorf("destroy: %v", err)
		}
	})
	return d
}

func (d *deployer) deploy(ctx context.Context) (*Result, error) {
	d.conn.Project = d.p.load()
	return Run(ctx, Options{
		Conn: d.conn, BindIP: "127.0.0.1", EdgeBinary: edgeBinary(d.t), Workerd: workerdtest.Binary(d.t),
		OutDir: filepath.Join(d.p.dir, ".valet", "build"), Events: events.NewEmitter(d.rec),
	})
}

func (d *deployer) mustDeploy(ctx context.Context) *Result {
	d.t.Helper()
	res, err := d.deploy(ctx)
	if err != nil {
		d.t.Fatalf("deploy: %v", err)
	}
	return res
}

func TestDeployLifecycle(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, e.Host())

	start := time.Now()
	r1 := d.mustDeploy(ctx)
	t.Logf("first deploy: %s, %d bytes (edge created %v)", time.Since(start), r1.Bytes, r1.Edge.Created)
	if !r1.Switched || r1.Summary != "first version" || !r1.Edge.Created {
		t.Fatalf("first deploy: %+v", r1)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v1" {
		t.Fatalf("v1: %q", body)
	}
	if _, body := httpGet(t, p.url("/")); !strings.Contains(body, "hello") {
		t.Fatalf("asset: %q", body)
	}

	// No change: nothing sent, no switch, fast.
	start = time.Now()
	r2 := d.mustDeploy(ctx)
	took := time.Since(start)
	t.Logf("no-change redeploy: %s, %d bytes", took, r2.Bytes)
	if r2.Switched || r2.Bytes != 0 || r2.Summary != "no change" {
		t.Fatalf("no-change deploy: %+v", r2)
	}

	// Redeploy under load: no failed request. The deploy starts once every
	// client has had v1's answer, and the clients stop once v2 answered
	// them after the switch (slow requests span it).
	p.worker("v2")
	const clients = 8
	l := startLoad(t, clients, func(i int) string {
		if i%4 == 0 {
			return p.url("/api/slow")
		}
		return p.url("/api/version")
	})
	l.waitServed(t, "v1", clients)
	r3 := d.mustDeploy(ctx)
	l.waitServed(t, "v2", clients)
	lr := l.result()
	t.Logf("redeploy under load: %d ok (%v), %d failed; %d files, %d bytes; summary %q", lr.ok, lr.versions, len(lr.failed), r3.Files, r3.Bytes, r3.Summary)
	if len(lr.failed) != 0 {
		t.Errorf("%d requests failed during the switch (last: %v)", len(lr.failed), lr.lastError())
	}
	if r3.Summary != "worker changed" || r3.Files != 2 { // worker.js + its map
		t.Errorf("redeploy: %+v", r3)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("v2: %q", body)
	}

	// A failing version leaves v2 serving and says why.
	p.worker("broken")
	_, err := d.deploy(ctx)
	var hc *HealthCheckError
	if !errors.As(err, &hc) || !strings.Contains(err.Error(), "broken on purpose") || !strings.Contains(err.Error(), "status 500") {
		t.Fatalf("broken deploy: %v", err)
	}
	t.Logf("health check failure:\n%v", err)
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("after a failed check: %q", body)
	}

	// A worker that throws as it loads is refused with workerd's message,
	// its position mapped to the source; v2 keeps serving.
	p.write("worker/index.js", "const answer = 42;\nexport default { fetch() { return new Response(String(answer)); } };\nthrow new Error(\"broken at load\");\n")
	_, err = d.deploy(ctx)
	if !errors.As(err, &hc) || !strings.Contains(err.Error(), "broken at load") || !strings.Contains(err.Error(), "worker/index.js:3:") {
		t.Fatalf("a worker that throws at load: %v", err)
	}
	t.Logf("load failure:\n%v", err)
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("after a worker failed to load: %q", body)
	}

	// Versions and rollback.
	vs, err := Versions(ctx, d.conn)
	if err != nil || len(vs) != 4 || !vs[2].Active || vs[0].Summary != "worker changed" {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	rb, err := Rollback(ctx, d.conn, "", events.NewEmitter(d.rec))
	if err != nil || rb.Version != r1.Version {
		t.Fatalf("rollback: %+v %v", rb, err)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v1" {
		t.Fatalf("after rollback: %q", body)
	}

	// Secrets reach env; list shows names only.
	if err := SecretPut(ctx, d.conn, "TOKEN", "hunter2", events.NewEmitter(d.rec)); err != nil {
		t.Fatal(err)
	}
	if _, body := httpGet(t, p.url("/api/secret")); body != "hunter2" {
		t.Fatalf("secret: %q", body)
	}
	names, err := SecretNames(ctx, d.conn, nil)
	if err != nil || strings.Join(names, ",") != "TOKEN" {
		t.Fatalf("names %v %v", names, err)
	}

	// A lock held by someone else refuses the deploy, saying who.
	tg, err := d.conn.attached(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var held edgehost.LockResult
	if _, err := tg.edge(ctx, &held, "lock", "--token", "other", "--holder", "eve@elsewhere", "--hostname", "elsewhere", "--pid", "1", "--command", "deploy"); err != nil || !held.Acquired {
		t.Fatalf("lock: %+v %v", held, err)
	}
	_, err = d.deploy(ctx)
	var le *LockedError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "eve@elsewhere") {
		t.Fatalf("locked deploy: %v", err)
	}
	_, _ = tg.edge(ctx, nil, "unlock", "other")
	tg.E.Close()

	// Destroy leaves nothing of the app.
	if _, err := Destroy(ctx, d.conn, nil); err != nil {
		t.Fatal(err)
	}
	left, _ := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name})
	if len(left) != 0 {
		t.Fatalf("left after destroy: %+v", left)
	}
	if _, err := e.Client().VolumeInspect(ctx, VolumeName(p.name), clientVolumeInspect()); err == nil {
		t.Fatalf("volume %s left after destroy", VolumeName(p.name))
	}
}
