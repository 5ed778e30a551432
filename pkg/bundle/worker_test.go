package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sourcemap/sourcemap"

	"github.com/valet-dev/valet/pkg/workerd"
)

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
	if !strings.Contains(onDisk, `from "cloudflare:workers"`) || !strings.Contains(onDisk, "export {") {
		t.Errorf("not an ES module importing the runtime's cloudflare:workers:\n%s", onDisk)
	}
	want := []string{filepath.Join(root, "src", "greet.ts"), filepath.Join(root, "src", "index.ts")}
	if !slices.Equal(res.Inputs, want) {
		t.Errorf("Inputs = %q, want %q", res.Inputs, want)
	}
	if !slices.Equal(res.Exports, []string{"Counter", "default"}) || res.Main != MainModule {
		t.Errorf("Exports = %q, Main = %q", res.Exports, res.Main)
	}
	// keepNames: the class keeps its name for the runtime to bind it by.
	if !strings.Contains(onDisk, `__name(this, "Counter")`) {
		t.Error("Counter's name is not kept")
	}
	get := serve(t, res, nil, workerd.Binding{Name: "NAME", Member: "text", Value: `"valet"`})
	if status, body := get("/"); status != 200 || body != "hello valet" {
		t.Errorf("GET / = %d %q", status, body)
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
	// The workerd condition picks fake-pkg's workerd.js; with nodejs_compat
	// the bare "buffer" and "events" are the runtime's, not node_modules'.
	script := string(res.Script)
	for _, want := range []string{`"workerd"`, `from"node:buffer"`, `from"node:events"`} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %s:\n%s", want, script)
		}
	}
	if strings.Contains(script, "npm-polyfill") {
		t.Error("node_modules/buffer bundled in place of the runtime's node:buffer")
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
	if !strings.Contains(string(res.Script), `flavour = "node"`) {
		t.Errorf("the node condition did not pick node.js:\n%s", res.Script)
	}
}

func TestWorkerKeepsRuntimeModules(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.ts"), `import { connect } from "cloudflare:sockets";
export default { fetch() { return new Response(typeof connect); } };`)
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.ts"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if status, body := serve(t, res, nil)("/"); status != 200 || body != "function" {
		t.Errorf("GET / = %d %q", status, body)
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
	writeFile(t, filepath.Join(root, "index.js"), "export default { fetch(r) { return new Response(String(r.x === -0)); } };\n")
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.js"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 || res.Warnings[0].File != "index.js" || res.Warnings[0].Line != 1 {
		t.Errorf("warnings = %+v", res.Warnings)
	}
}
