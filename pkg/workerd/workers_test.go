package workerd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// otherWorker writes a worker beside the app's: valet's entry in front of
// main, in a directory of its own.
func otherWorker(t *testing.T, service, main string, eo EntryOptions, classes ...DurableObjectClass) Worker {
	t.Helper()
	dir := filepath.Join(t.TempDir(), service)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	eo.HasDefault = true
	return Worker{Service: service, CompatibilityDate: "2025-06-01", Modules: appModules(t, dir, eo, main), DurableObjects: classes}
}

// Several workers in one process: the app's reaches the other by a
// service binding (fetch and RPC), each has its own Durable Object class
// of the same name (their objects apart), and the control worker reaches
// the other's namespace by its key.
func TestSeveralWorkers(t *testing.T) {
	counter := `import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
export class Counter extends DurableObject {
  async add() { const n = ((await this.ctx.storage.get("n")) ?? 0) + 1; await this.ctx.storage.put("n", n); return WHO + n; }
}
`
	api := strings.ReplaceAll(counter, "WHO", `"api "`) + `export class Admin extends WorkerEntrypoint { add(a, b) { return a + b; } }
export default { async fetch(req, env) { return new Response("api " + await env.C.getByName("x").add()); } };
`
	main := strings.ReplaceAll(counter, "WHO", `"app "`) + `export default {
  async fetch(req, env) {
    const mine = await env.C.getByName("x").add();
    const theirs = await (await env.API.fetch("http://api/")).text();
    return new Response([mine, theirs, await env.ADMIN.add(2, 3)].join(" | "));
  },
};
`
	p, px := startEntry(t, main, EntryOptions{HasDefault: true}, func(c *Config) {
		c.Bindings = []Binding{
			{Name: "C", Member: "durableObjectNamespace", Value: `(className = "Counter")`},
			{Name: "API", Member: "service", Value: `(name = "api")`},
			{Name: "ADMIN", Member: "service", Value: `(name = "api", entrypoint = "Admin")`},
		}
		c.DurableObjects = []DurableObjectClass{{Class: "Counter", UniqueKey: "app-Counter", SQL: true}}
		other := otherWorker(t, "api", api, EntryOptions{Token: "t"},
			DurableObjectClass{Class: "Counter", UniqueKey: "api-Counter", SQL: true, Key: "api/Counter"})
		other.Bindings = []Binding{{Name: "C", Member: "durableObjectNamespace", Value: `(className = "Counter")`}}
		c.Others = []Worker{other}
		c.DurableStorage = t.TempDir()
	}, nil)
	if _, body := get(t, px, "GET", "/", nil); body != "app 1 | api api 1 | 5" {
		t.Errorf("GET / = %q", body)
	}
	// The control worker reaches each worker's class by its key.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.ControlObject(ctx, "api/Counter", "0000000000000000000000000000000000000000000000000000000000000000", "nope", 0); err == nil || strings.Contains(err.Error(), "no such class") {
		t.Errorf("the api worker's class is not reachable by its key: %v", err)
	}
}

// A second worker that throws at load fails the start, with its error.
func TestOtherWorkerThatThrowsFailsStart(t *testing.T) {
	bin := workerdtest.Binary(t)
	dir := t.TempDir()
	eo := EntryOptions{HasDefault: true, Token: NewToken()}
	cfg := &Config{
		Service: "app", CompatibilityDate: "2025-06-01", Control: ControlSource(eo.Token),
		Modules: appModules(t, dir, eo, `export default { fetch() { return new Response("ok"); } };`),
		Others:  []Worker{otherWorker(t, "api", `throw new Error("the api worker is broken"); export default {};`, EntryOptions{Token: eo.Token})},
	}
	sock, err := ShortDir("t")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := Start(ctx, StartOptions{Binary: bin, Config: cfg, Dir: dir, SocketDir: sock})
	if err == nil {
		_ = p.Stop(context.Background())
		t.Fatal("started with a worker that throws at load")
	}
	if !strings.Contains(err.Error(), "the api worker is broken") {
		t.Errorf("err = %v", err)
	}
}
