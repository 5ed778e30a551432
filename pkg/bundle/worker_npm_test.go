package bundle

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// TestWorkerRealPackages bundles a worker written as wrangler users write
// them, against Hono and @cloudflare/containers from npm.
func TestWorkerRealPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("installs packages from npm; skipped with -short")
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "package.json"), `{"name": "w", "private": true, "type": "module"}`)
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "hono@4", "@cloudflare/containers")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.Missing(t, "npm install (registry unreachable?): %v\n%s", err, out)
	}
	writeFile(t, filepath.Join(root, "src", "index.ts"), `import { Hono } from "hono";
import { Container, getContainer } from "@cloudflare/containers";

export class Backend extends Container {
  defaultPort = 3210;
  sleepAfter = "2m";
}

type Env = { BACKEND: DurableObjectNamespace<Backend> };

const app = new Hono<{ Bindings: Env }>();
app.get("/api/*", (c) => getContainer(c.env.BACKEND).fetch(c.req.raw));
app.get("/", (c) => c.text("hello"));

export default app;
`)
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.ts"), Root: root, OutDir: filepath.Join(root, ".valet")})
	if err != nil {
		t.Fatal(err)
	}
	var hono bool
	for _, in := range res.Inputs {
		hono = hono || strings.Contains(in, filepath.Join("node_modules", "hono"))
	}
	if !hono {
		t.Error("hono not among the inputs")
	}
	if !slices.Equal(res.Exports, []string{"Backend", "default"}) {
		t.Errorf("exports = %q", res.Exports)
	}
	if status, body := serve(t, res, nil)("/"); status != 200 || body != "hello" {
		t.Errorf("GET / = %d %q", status, body)
	}
	t.Logf("worker: %d bytes, %d inputs, %d warnings", len(res.Script), len(res.Inputs), len(res.Warnings))
	for _, w := range res.Warnings {
		t.Log(w.String())
	}
}
