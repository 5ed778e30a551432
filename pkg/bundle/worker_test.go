package bundle

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sourcemap/sourcemap"

	"github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// evalWorker runs the bundled script in workerd, the runtime it is built
// for, and returns the value of each expression: JavaScript over `w`, the
// script's module namespace, and `env` ({NAME: "valet"}); a promise is
// awaited, a Response read as text.
func evalWorker(t *testing.T, script []byte, flags []string, exprs ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("import * as w from \"./worker.js\";\nexport default { async fetch(req, env) {\n  const out = [];\n")
	for _, e := range exprs {
		b.WriteString("  { let v = await (" + e + "); if (v instanceof Response) v = await v.text(); out.push(String(v)); }\n")
	}
	b.WriteString("  return Response.json(out);\n} };\n")
	mods := []workerd.Module{
		{Name: "main.js", Type: "esModule", Path: filepath.Join(dir, "main.js")},
		{Name: "worker.js", Type: "esModule", Path: filepath.Join(dir, "worker.js")},
	}
	writeFile(t, mods[0].Path, b.String())
	writeFile(t, mods[1].Path, string(script))
	cfg := &workerd.Config{
		Service: "w", CompatibilityDate: "2025-06-01", CompatibilityFlags: flags, Modules: mods,
		Bindings: []workerd.Binding{workerd.TextBinding("NAME", "valet")},
	}
	got := workerdtest.Fetch(t, cfg, dir, "/")
	var out []string
	if err := json.Unmarshal([]byte(got), &out); err != nil {
		t.Fatalf("worker answered %q: %v", got, err)
	}
	return out
}

func TestWorkerTypeScript(t *testing.T) {
	root := fixture(t, "worker-ts")
	out := filepath.Join(root, ".valet", "build")
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.ts"), Root: root, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != filepath.Join(out, "worker.js") {
		t.Errorf("Path = %q", res.Path)
	}
	onDisk := readFile(t, res.Path)
	if onDisk != string(res.Script) {
		t.Error("worker.js on disk differs from Script")
	}
	if !strings.HasSuffix(strings.TrimSpace(onDisk), "//# sourceMappingURL=worker.js.map") {
		t.Errorf("no sourceMappingURL comment at the end:\n%s", onDisk[max(0, len(onDisk)-200):])
	}
	if readFile(t, res.Path+".map") != string(res.SourceMap) {
		t.Error("worker.js.map on disk differs from SourceMap")
	}
	if !strings.Contains(onDisk, "\nexport ") {
		t.Errorf("script is not an ES module:\n%s", onDisk)
	}
	want := []string{filepath.Join(root, "src", "greet.ts"), filepath.Join(root, "src", "index.ts")}
	if !slices.Equal(res.Inputs, want) {
		t.Errorf("Inputs = %q, want %q", res.Inputs, want)
	}

	got := evalWorker(t, res.Script, nil,
		`w.default.fetch(new Request("http://x/"), env)`,
		`w.Counter.name`,
		`typeof w.Counter.prototype.fetch`)
	if !slices.Equal(got, []string{"hello valet", "Counter", "function"}) {
		t.Errorf("got %q", got)
	}
}

func TestWorkerSourceMapMapsBack(t *testing.T) {
	root := fixture(t, "worker-ts")
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.ts"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != "" {
		t.Errorf("in-memory build has Path %q", res.Path)
	}
	sm, err := sourcemap.Parse("", res.SourceMap)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(res.Script), "\n")
	for i, l := range lines {
		col := strings.Index(l, `"greet failed on purpose"`)
		if col < 0 {
			continue
		}
		col = strings.Index(l, "throw")
		src, _, line, _, ok := sm.Source(i+1, col)
		if !ok || src != "src/greet.ts" || line != 7 {
			t.Fatalf("generated %d:%d maps to %s:%d (ok=%v), want src/greet.ts:7", i+1, col, src, line, ok)
		}
		content := sm.SourceContent("src/greet.ts")
		if !strings.Contains(content, "greet failed on purpose") {
			t.Errorf("sourcesContent missing: %q", content)
		}
		return
	}
	t.Fatal("throw not found in the script")
}

func TestWorkerConditionsAndBuiltins(t *testing.T) {
	root := fixture(t, "worker-npm")
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.js"), Root: root, Minify: true, NodeCompat: true})
	if err != nil {
		t.Fatal(err)
	}
	// With nodejs_compat, workerd's node:buffer wins over the npm package
	// of the same name, as under wrangler.
	got := evalWorker(t, res.Script, []string{"nodejs_compat"},
		`w.flavour`, `w.bufferSource === w.nodeBuffer`, `typeof w.nodeBuffer.from`, `w.default.fetch()`)
	if !slices.Equal(got, []string{"workerd", "true", "function", "workerd object"}) {
		t.Errorf("got %q", got)
	}
	for _, p := range res.Inputs {
		if strings.Contains(p, "valet-builtin") || strings.Contains(p, "node:") {
			t.Errorf("virtual module in Inputs: %s", p)
		}
	}

	// Other conditions pick another file of the same package.
	res, err = Worker(WorkerOptions{Entry: filepath.Join(root, "index.js"), Root: root, Conditions: []string{"node"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := evalWorker(t, res.Script, []string{"nodejs_compat"}, `w.flavour`); got[0] != "node" {
		t.Errorf("flavour with node condition = %q", got)
	}
}

// TestWorkerMissingRuntimeModule: a module the runtime lacks stays an
// import and fails when workerd loads the worker, naming it.
func TestWorkerMissingRuntimeModule(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.ts"), `import { nothing } from "cloudflare:no-such-module";
export default { fetch() { return new Response(String(nothing)); } };`)
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.ts"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Script), `from "cloudflare:no-such-module"`) {
		t.Fatalf("the import was not kept:\n%s", res.Script)
	}
}

func TestWorkerErrors(t *testing.T) {
	root := t.TempDir()
	_, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.ts"), Root: root})
	if err == nil || !strings.Contains(err.Error(), `main "src/index.ts"`) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing entry: %v", err)
	}
	_, err = Worker(WorkerOptions{Root: root})
	if err == nil || !strings.Contains(err.Error(), `"main"`) {
		t.Errorf("no entry: %v", err)
	}

	writeFile(t, filepath.Join(root, "src", "index.ts"), "import { x } from \"./x\";\nexport default { fetch() { return x } };\n")
	writeFile(t, filepath.Join(root, "src", "x.ts"), "export const x = 1;\nexport const y = (1 +;\n")
	_, err = Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.ts"), Root: root})
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	m := be.Messages[0]
	if m.File != "src/x.ts" || m.Line != 2 || m.Column != 22 {
		t.Errorf("position = %s:%d:%d", m.File, m.Line, m.Column)
	}
	wantFrame := "src/x.ts:2:22: error: Unexpected \";\"\n  2 | export const y = (1 +;\n    |                      ^"
	if !strings.Contains(err.Error(), wantFrame) {
		t.Errorf("error text:\n%s\nwant it to contain:\n%s", err, wantFrame)
	}

	writeFile(t, filepath.Join(root, "src", "x.ts"), "export { z as x } from \"no-such-package\";\n")
	_, err = Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.ts"), Root: root})
	if err == nil || !strings.Contains(err.Error(), `src/x.ts:1:24: error: Could not resolve "no-such-package"`) {
		t.Errorf("unresolved import: %v", err)
	}
}

func TestWorkerContextRebuild(t *testing.T) {
	root := fixture(t, "worker-ts")
	out := filepath.Join(root, "out")
	c, err := NewWorkerContext(WorkerOptions{Entry: filepath.Join(root, "src", "index.ts"), Root: root, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Dispose()
	first, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(first.Path)

	start := time.Now()
	again, err := c.Rebuild()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("no-change worker rebuild: %v", elapsed)
	if string(again.Script) != string(first.Script) {
		t.Error("no-change rebuild changed the script")
	}
	st2, _ := os.Stat(first.Path)
	if !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("no-change rebuild rewrote worker.js")
	}

	writeFile(t, filepath.Join(root, "src", "greet.ts"), "export function greet(n: string) { return `bonjour ${n}`; }\nexport function fail() {}\n")
	changed, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(changed.Script), "bonjour") || !strings.Contains(readFile(t, changed.Path), "bonjour") {
		t.Error("rebuild missed the change")
	}
	c.Dispose()
	if _, err := c.Rebuild(); err == nil {
		t.Error("Rebuild after Dispose succeeded")
	}
}

func TestWorkerWarnings(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.js"), "export default { fetch() { return { a: 1, a: 2 }; } };\n")
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.js"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 || res.Warnings[0].File != "index.js" || res.Warnings[0].Line != 1 {
		t.Errorf("warnings = %+v", res.Warnings)
	}
}
