package typegen

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// npmPackages are what the type-checking tests compile against: the
// compiler, and the npm packages Workers projects commonly import.
var npmPackages = []string{"typescript@5", "hono@4", "@cloudflare/containers@0.3", "@types/node@22"}

// npmCache returns a directory whose node_modules holds npmPackages,
// installing them once into $(go env GOCACHE)/../valet-npm: never into the
// repository. Without npm or the registry the test skips, or fails in CI.
func npmCache(t *testing.T) string {
	t.Helper()
	gocache := os.Getenv("GOCACHE")
	if gocache == "" {
		out, err := exec.Command("go", "env", "GOCACHE").Output()
		if err != nil {
			t.Fatalf("go env GOCACHE: %v", err)
		}
		gocache = strings.TrimSpace(string(out))
	}
	dir := filepath.Join(filepath.Dir(gocache), "valet-npm")
	installed := true
	for _, marker := range []string{"typescript/bin/tsc", "hono/package.json", "@cloudflare/containers/package.json", "@types/node/package.json"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", marker)); err != nil {
			installed = false
		}
	}
	if installed {
		return dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"}, npmPackages...)
	if out, err := exec.CommandContext(ctx, "npm", args...).CombinedOutput(); err != nil {
		msg := "npm install " + strings.Join(npmPackages, " ") + ": " + err.Error() + "\n" + string(out)
		testenv.Missing(t, "%s", msg)
	}
	return dir
}

// tscPath is $VALET_TSC, or the compiler in the npm cache.
func tscPath(t *testing.T, cache string) string {
	if p := os.Getenv("VALET_TSC"); p != "" {
		return p
	}
	return filepath.Join(cache, "node_modules", ".bin", "tsc")
}

// typeCheck generates the declaration file in a copy of the fixture and runs
// tsc --strict --noEmit over it (the fixture's tsconfig.json has lib es2022
// and no DOM lib). It returns tsc's output and whether it passed.
func typeCheck(t *testing.T, fixture string, extra map[string]string) (string, bool) {
	t.Helper()
	return typeCheckWith(t, fixture, extra, nil)
}

// typeCheckWith is typeCheck with the options changed by set (given the
// copy's directory) before generating.
func typeCheckWith(t *testing.T, fixture string, extra map[string]string, set func(opts *Options, dir string)) (string, bool) {
	t.Helper()
	cache := npmCache(t)
	dir := copyDir(t, fixtureDir(t, fixture))
	if err := os.Symlink(filepath.Join(cache, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	for name, content := range extra {
		writeFile(t, filepath.Join(dir, name), content)
	}
	opts := loadFixture(t, dir)
	if set != nil {
		set(&opts, dir)
	}
	if _, err := Run(opts, false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tscPath(t, cache), "-p", dir, "--strict", "--noEmit", "--pretty", "false")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("tsc timed out: %s", out)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run tsc: %v", err)
	}
	return string(out), err == nil
}

func TestTypeCheckReferenceWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	if out, ok := typeCheck(t, "reference", nil); !ok {
		t.Fatalf("tsc rejected the reference worker:\n%s", out)
	}
}

// The declarations must not be so loose that anything passes.
func TestTypeCheckCatchesMistakes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	bad := `import { env } from "cloudflare:workers";
export default {
	async fetch(request, e) {
		const stub = e.CONTAINER.getByName("x");
		await stub.nope();
		const n: number = await stub.stats();
		e.MISSING;
		const v: "v3" = env.API_VERSION;
		document.title;
		return new Response(123);
	},
} satisfies ExportedHandler<Env>;
`
	out, ok := typeCheck(t, "reference", map[string]string{"worker/bad.ts": bad})
	if ok {
		t.Fatal("tsc accepted a worker full of type errors")
	}
	for _, want := range []string{
		"bad.ts(5,14): error TS2339: Property 'nope' does not exist",
		"bad.ts(6,9): error TS2322",
		"bad.ts(7,5): error TS2339: Property 'MISSING' does not exist",
		"bad.ts(8,9): error TS2322",
		"bad.ts(9,3): error",
		"bad.ts(10,23): error TS2345",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tsc output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "index.ts") || strings.Contains(out, "worker-configuration.d.ts") {
		t.Errorf("errors outside bad.ts:\n%s", out)
	}
}

// The Hono worker has nodejs_compat and @types/node, as such projects do:
// valet's declarations must coexist with Node's (under skipLibCheck, as
// with @cloudflare/workers-types).
func TestTypeCheckHonoWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tsc")
	}
	if out, ok := typeCheck(t, "hono", nil); !ok {
		t.Fatalf("tsc rejected the Hono worker:\n%s", out)
	}
}
