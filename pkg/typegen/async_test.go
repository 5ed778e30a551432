package typegen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

// withAPI types the async fixture with its api worker, as valet types -c
// wrangler.jsonc -c api/wrangler.jsonc does.
func withAPI(opts *Options, dir string) {
	opts.Workers = map[string]string{"async-api": filepath.Join(dir, "api", "src", "index.ts")}
	opts.WorkerConfigs = []string{"wrangler.jsonc", "api/wrangler.jsonc"}
}

// TestAsyncTypesAsWrangler: valet types gives each queue producer,
// Workflow and service binding the type wrangler types 4.86 gives it
// (wrangler-types.d.ts, its output for the same two configs); consumers
// and crons are not in Env.
func TestAsyncTypesAsWrangler(t *testing.T) {
	dir := copyDir(t, fixtureDir(t, "async"))
	opts := loadFixture(t, dir)
	withAPI(&opts, dir)
	if _, err := Run(opts, false); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "worker-configuration.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(fixtureDir(t, "async"), "wrangler-types.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	g, w := members(t, string(got)), members(t, string(want))
	if len(w) != 9 {
		t.Fatalf("wrangler's members: %v", w)
	}
	for name, typ := range w {
		if g[name] != typ {
			t.Errorf("%s: valet %q, wrangler %q", name, g[name], typ)
		}
	}
	if len(g) != len(w) {
		t.Errorf("valet's members %v, wrangler's %v", g, w)
	}
	if !strings.Contains(string(got), "`valet types -c wrangler.jsonc -c api/wrangler.jsonc`") {
		t.Errorf("the header does not say how to generate it again:\n%s", strings.SplitN(string(got), "\n", 2)[0])
	}
}

// Without the api worker's config, its bindings are untyped, as wrangler
// types with one -c types them.
func TestServiceTypesWithoutTheOtherWorker(t *testing.T) {
	dir := copyDir(t, fixtureDir(t, "async"))
	if _, err := Run(loadFixture(t, dir), false); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "worker-configuration.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	g := members(t, string(got))
	if g["API"] != "Fetcher /* async-api */" || g["API_ADMIN"] != "Service /* entrypoint Admin from async-api */" {
		t.Errorf("API %q, API_ADMIN %q", g["API"], g["API_ADMIN"])
	}
}

// The worker using each call of Queues, Workflows and service bindings
// (RPC included) compiles against valet's declarations, and misuses do
// not.
func TestTypeCheckAsyncWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	if out, ok := typeCheckWith(t, "async", nil, withAPI); !ok {
		t.Fatalf("tsc rejected the async worker:\n%s", out)
	}
	bad := `export default {
	async fetch(request, env) {
		await env.JOBS.send("x", { contentType: "yaml" });
		const n: string = await env.API_ADMIN.add(1, 2);
		await env.API.nope();
		await env.SIGNUP.create({ params: { email: 1 } });
		const s: number = (await (await env.SIGNUP.get("x")).status()).status;
		return new Response("x");
	},
	async queue(batch, env) {
		batch.messages[0].retry({ delay: 3 });
	},
} satisfies ExportedHandler<Env>;
`
	out, ok := typeCheckWith(t, "async", map[string]string{"worker/bad.ts": bad}, withAPI)
	if ok {
		t.Fatal("tsc accepted misuses of Queues, Workflows and service bindings")
	}
	for _, want := range []string{"bad.ts(3,30)", "bad.ts(4,9)", "bad.ts(5,17)", "bad.ts(6,39)", "bad.ts(7,9)", "bad.ts(11,29)"} {
		if !strings.Contains(out, want) {
			t.Errorf("tsc output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "index.ts") {
		t.Errorf("errors outside bad.ts:\n%s", out)
	}
}

// With nodejs_compat, process.env carries the vars and secrets alone, as
// wrangler types 4.86 writes it for this config (its line below): not the
// KV namespace, the queue or the service binding.
func TestProcessEnvHoldsValuesOnly(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".dev.vars"), "SECRET=x\n")
	c := &config.Config{
		Name: "pe", Main: "src/index.js", CompatibilityDate: "2025-06-01", CompatibilityFlags: []string{"nodejs_compat"},
		Vars:         map[string]any{"GREETING": "hi", "N": 3},
		KVNamespaces: []config.KVNamespace{{Binding: "KV", ID: "x"}},
		Queues:       &config.Queues{Producers: []config.QueueProducer{{Binding: "JOBS", Queue: "jobs"}}},
		Services:     []config.ServiceBinding{{Binding: "API", Service: "api"}},
	}
	out, err := Generate(Options{Config: c, ConfigDir: dir, OmitRuntime: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `interface ProcessEnv extends StringifyValues<Pick<Cloudflare.Env, "GREETING" | "N" | "SECRET">> {}`
	if !strings.Contains(string(out), want) {
		t.Errorf("no %s in:\n%s", want, out)
	}
}
