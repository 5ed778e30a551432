package containers

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// A wrangler project written for Cloudflare: Hono in front, the published
// @cloudflare/containers package from node_modules, getRandom over three
// instances, and sleepAfter stopping idle containers.
const honoWorker = `
import { Hono } from "hono";
import { Container, getContainer, getRandom } from "@cloudflare/containers";

export class MyContainer extends Container {
  defaultPort = 8080;
  sleepAfter = "2s";
  envVars = { MSG: "from-lib" };
  onStart() { console.log("container started"); }
  onStop({ exitCode, reason }) { console.log("container stopped", exitCode, reason); }
  onError(err) { console.log("container error", String(err)); throw err; }
}

const app = new Hono();
app.get("/lb/*", async (c) => {
  const stub = await getRandom(c.env.MY_CONTAINER, 3);
  return stub.fetch(c.req.raw);
});
app.get("/one/*", (c) => getContainer(c.env.MY_CONTAINER, "one").fetch(c.req.raw));
app.get("/state", async (c) => c.json(await getContainer(c.env.MY_CONTAINER, "one").getState()));
export default app;
`

func installNpm(t *testing.T, dir string, pkgs ...string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"t","private":true,"type":"module"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"install", "--no-audit", "--no-fund", "--loglevel=error"}, pkgs...)
	cmd := exec.Command("npm", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.Missing(t, "npm install (registry unreachable?): %v\n%s", err, out)
	}
}

func TestCloudflareContainersPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("installs packages from npm")
	}
	dir := t.TempDir()
	installNpm(t, dir, "hono@4", "@cloudflare/containers@0.3")
	r := newRigIn(t, dir, honoWorker, "MyContainer", "MY_CONTAINER", 0)

	// getRandom spreads over three named objects, each with its container.
	hosts := map[string]bool{}
	for i := 0; i < 30 && len(hosts) < 2; i++ {
		code, b := r.get(t, "/lb/x")
		if code != 200 || !strings.HasPrefix(b, "hello from-lib GET /lb/x") {
			t.Fatalf("lb: %d %s", code, b)
		}
		hosts[b[strings.Index(b, "host="):]] = true
	}
	if len(hosts) < 2 {
		t.Fatalf("getRandom reached one container only: %v", hosts)
	}
	if n := len(r.containers(t)); n < 2 || n > 3 {
		t.Fatalf("running containers: %d", n)
	}

	code, b := r.get(t, "/one/a")
	if code != 200 || !strings.Contains(b, "GET /one/a") {
		t.Fatalf("one: %d %s", code, b)
	}
	before := b[strings.Index(b, "host="):]
	if _, s := r.get(t, "/state"); !strings.Contains(s, `"healthy"`) {
		t.Fatalf("state: %s", s)
	}

	// Idle for sleepAfter: the package stops every container by itself.
	waitForT(t, "idle containers to stop", 20*time.Second, func() bool { return len(r.containers(t)) == 0 })
	if _, s := r.get(t, "/state"); !strings.Contains(s, `"stopped`) {
		t.Fatalf("state after sleep: %s", s)
	}
	// The next request wakes it.
	code, b = r.get(t, "/one/again")
	if code != 200 || !strings.Contains(b, "GET /one/again") || strings.Contains(b, before) {
		t.Fatalf("wake: %d %s (before: %s)", code, b, before)
	}
}

func waitForT(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
