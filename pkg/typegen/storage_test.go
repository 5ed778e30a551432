package typegen

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var reMember = regexp.MustCompile(`(?m)^\t\t(\w+)\??: (.+);$`)

// members reads the members of `interface Env` in a declaration file.
func members(t *testing.T, d string) map[string]string {
	t.Helper()
	start := strings.Index(d, "\tinterface Env {")
	if start < 0 {
		t.Fatalf("no interface Env in:\n%s", d)
	}
	end := strings.Index(d[start:], "\n\t}")
	out := map[string]string{}
	for _, m := range reMember.FindAllStringSubmatch(d[start:start+end], -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestStorageTypesAsWrangler: valet types gives each KV, D1 and R2 binding
// the type wrangler types 4.86 gives it (wrangler-types.d.ts, its output on
// the same config).
func TestStorageTypesAsWrangler(t *testing.T) {
	dir := copyDir(t, fixtureDir(t, "storage"))
	if _, err := Run(loadFixture(t, dir), false); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "worker-configuration.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(fixtureDir(t, "storage"), "wrangler-types.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	g, w := members(t, string(got)), members(t, string(want))
	if len(w) != 5 {
		t.Fatalf("wrangler's members: %v", w)
	}
	for name, typ := range w {
		if g[name] != typ {
			t.Errorf("%s: valet %q, wrangler %q", name, g[name], typ)
		}
	}
}

// The worker using each call of KV, D1 and R2 compiles against valet's
// declarations, and misuses do not.
func TestTypeCheckStorageWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	if out, ok := typeCheck(t, "storage", nil); !ok {
		t.Fatalf("tsc rejected the storage worker:\n%s", out)
	}
	bad := `export default {
	async fetch(request, env) {
		const n: number = await env.CACHE.get("k");
		await env.CACHE.put("k", 1);
		const r = await env.DB.prepare("SELECT 1").all();
		const s: string = r.results;
		await env.FILES.put("k", "v", { customMetadata: { a: 1 } });
		return new Response("x");
	},
} satisfies ExportedHandler<Env>;
`
	out, ok := typeCheck(t, "storage", map[string]string{"worker/bad.ts": bad})
	if ok {
		t.Fatal("tsc accepted misuses of KV, D1 and R2")
	}
	for _, want := range []string{"bad.ts(3,9)", "bad.ts(4,28)", "bad.ts(6,9)", "bad.ts(7,53)"} {
		if !strings.Contains(out, want) {
			t.Errorf("tsc output lacks %s:\n%s", want, out)
		}
	}
}
