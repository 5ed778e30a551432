package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

// twoWorkers writes a project a whose worker binds the worker of project b
// (beside it, as valet dev -c a/wrangler.jsonc -c b/wrangler.jsonc runs
// them), and returns their directories.
func twoWorkers(t *testing.T) (a, b string) {
	t.Helper()
	root := t.TempDir()
	a, b = filepath.Join(root, "a"), filepath.Join(root, "b")
	for path, content := range map[string]string{
		filepath.Join(a, "wrangler.jsonc"): `{"name": "a", "main": "src/index.js", "compatibility_date": "2025-06-01",
			"services": [{"binding": "B", "service": "b"}, {"binding": "B_RPC", "service": "b", "entrypoint": "Api"}]}`,
		filepath.Join(a, "src", "index.js"): `export default {
  async fetch(req, env) {
    return new Response("a sees " + await (await env.B.fetch("http://b/")).text() + ", " + await env.B_RPC.version());
  },
};
`,
		filepath.Join(b, "wrangler.jsonc"):    `{"name": "b", "main": "src/index.js", "compatibility_date": "2025-06-01", "vars": {"WHO": "b"}}`,
		filepath.Join(b, "src", "message.js"): `export const message = "v1";`,
		filepath.Join(b, "src", "index.js"): `import { WorkerEntrypoint } from "cloudflare:workers";
import { message } from "./message.js";
export class Api extends WorkerEntrypoint { version() { return "rpc " + message; } }
export default { fetch(req, env) { return new Response(env.WHO + " " + message); } };
`,
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, path, content)
	}
	return a, b
}

// valet dev -c a -c b: a is served and reaches b by its service bindings
// (fetch and RPC); an edit of b's sources rebuilds b and reloads, a broken
// b shows its error and keeps the last good build until it is fixed.
func TestSeveralWorkersRebuild(t *testing.T) {
	a, b := twoWorkers(t)
	other, err := config.Load(config.LoadOptions{Path: filepath.Join(b, "wrangler.jsonc")})
	if err != nil {
		t.Fatal(err)
	}
	s := startDevWith(t, a, Options{Others: []*config.Project{other}})
	if _, body := get(t, s.url+"/"); body != "a sees b v1, rpc v1" {
		t.Fatalf("GET / = %q", body)
	}
	live := listen(t, s.url)

	write(t, filepath.Join(b, "src", "message.js"), `export const message = "v2";`)
	if ev := next(t, live); ev.event != msgReload {
		t.Fatalf("event %+v, want reload", ev)
	}
	if _, body := get(t, s.url+"/"); body != "a sees b v2, rpc v2" {
		t.Errorf("after b's edit GET / = %q", body)
	}

	write(t, filepath.Join(b, "src", "message.js"), `export const message = "broken;`)
	if ev := next(t, live); ev.event != msgError || !strings.Contains(ev.data, "worker b") || !strings.Contains(ev.data, "message.js") {
		t.Fatalf("event %+v, want b's error", ev)
	}
	if _, body := get(t, s.url+"/"); body != "a sees b v2, rpc v2" {
		t.Errorf("with b broken GET / = %q, want the last good build", body)
	}
	write(t, filepath.Join(b, "src", "message.js"), `export const message = "v3";`)
	if ev := next(t, live); ev.event != msgOK {
		t.Fatalf("event %+v, want ok", ev)
	}
	if ev := next(t, live); ev.event != msgReload {
		t.Fatalf("event %+v, want reload", ev)
	}
	if _, body := get(t, s.url+"/"); body != "a sees b v3, rpc v3" {
		t.Errorf("after the fix GET / = %q", body)
	}
}

// Another config needs a worker and a name of its own.
func TestSeveralWorkersChecks(t *testing.T) {
	a, b := twoWorkers(t)
	primary, err := config.Load(config.LoadOptions{Path: filepath.Join(a, "wrangler.jsonc")})
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(b, "wrangler.jsonc"), `{"name": "a", "main": "src/index.js"}`)
	other, err := config.Load(config.LoadOptions{Path: filepath.Join(b, "wrangler.jsonc")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newOthers(primary, []*config.Project{other}); err == nil || !strings.Contains(err.Error(), `worker "a" is already the worker of`) {
		t.Errorf("same name: %v", err)
	}
	other.Config.Name = ""
	if _, err := newOthers(primary, []*config.Project{other}); err == nil || !strings.Contains(err.Error(), "needs a name") {
		t.Errorf("no name: %v", err)
	}
}
