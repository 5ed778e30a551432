package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/go-sourcemap/sourcemap"
)

// runWorker evaluates a worker script in goja the way the runtime does:
// install __valet_modules, evaluate, read globalThis.__valet_worker.
func runWorker(t *testing.T, script []byte, modules string) *goja.Runtime {
	t.Helper()
	vm := goja.New()
	prelude := `
globalThis.Response = class Response { constructor(body) { this.body = body; } };
globalThis.URL = class URL { constructor(u) { this.pathname = u.replace(/^[a-z]+:\/\/[^/]+/, ""); } };
globalThis.__valet_modules = ` + modules + `;`
	if _, err := vm.RunString(prelude); err != nil {
		t.Fatal(err)
	}
	if _, err := vm.RunScript("worker.js", string(script)); err != nil {
		t.Fatalf("evaluate worker: %v", err)
	}
	return vm
}

func awaitString(t *testing.T, vm *goja.Runtime, expr string) string {
	t.Helper()
	v, err := vm.RunString(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	p, ok := v.Export().(*goja.Promise)
	if !ok {
		return v.String()
	}
	if p.State() != goja.PromiseStateFulfilled {
		t.Fatalf("%s: promise %v: %v", expr, p.State(), p.Result())
	}
	return p.Result().ToObject(vm).Get("body").String()
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
	if strings.Contains(onDisk, "\nimport ") || strings.Contains(onDisk, "\nexport ") {
		t.Errorf("script is not a classic script:\n%s", onDisk)
	}
	want := []string{filepath.Join(root, "src", "greet.ts"), filepath.Join(root, "src", "index.ts")}
	if !slices.Equal(res.Inputs, want) {
		t.Errorf("Inputs = %q, want %q", res.Inputs, want)
	}

	vm := runWorker(t, res.Script, `{"cloudflare:workers": {DurableObject: class DurableObject {}}}`)
	got := awaitString(t, vm, `__valet_worker.default.fetch({url: "http://x/"}, {NAME: "valet"})`)
	if got != "hello valet" {
		t.Errorf("fetch = %q", got)
	}
	got = awaitString(t, vm, `new __valet_worker.Counter().fetch({})`)
	if got != "count 1" {
		t.Errorf("Counter.fetch = %q", got)
	}
	if name := vm.Get(WorkerGlobal).ToObject(vm).Get("Counter").ToObject(vm).Get("name").String(); name != "Counter" {
		t.Errorf("class name = %q", name)
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
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.js"), Root: root, Minify: true})
	if err != nil {
		t.Fatal(err)
	}
	vm := runWorker(t, res.Script, `{
		"node:events": {EventEmitter: class EventEmitter {}},
		"node:buffer": {Buffer: "runtime"},
	}`)
	for expr, want := range map[string]string{
		`__valet_worker.flavour`:         "workerd",
		`__valet_worker.bufferSource`:    "runtime",
		`__valet_worker.nodeBuffer`:      "runtime",
		`__valet_worker.default.fetch()`: "workerd object",
	} {
		if got := awaitString(t, vm, expr); got != want {
			t.Errorf("%s = %q, want %q", expr, got, want)
		}
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
	vm = runWorker(t, res.Script, `{"node:buffer": {Buffer: 1}}`)
	if got := awaitString(t, vm, `__valet_worker.flavour`); got != "node" {
		t.Errorf("flavour with node condition = %q", got)
	}
}

func TestWorkerMissingRuntimeModule(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.ts"), `import { connect } from "cloudflare:sockets";
export default { fetch() { return connect("x"); } };`)
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.ts"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	vm := goja.New()
	_, err = vm.RunString(string(res.Script))
	if err == nil || !strings.Contains(err.Error(), `valet does not provide module "cloudflare:sockets"`) {
		t.Fatalf("err = %v", err)
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
	writeFile(t, filepath.Join(root, "index.js"), "export default { fetch() { return import.meta.url; } };\n")
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "index.js"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 || res.Warnings[0].File != "index.js" || res.Warnings[0].Line != 1 {
		t.Errorf("warnings = %+v", res.Warnings)
	}
}
