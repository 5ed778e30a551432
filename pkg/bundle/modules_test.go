package bundle

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// moduleRulesFixture is the fixture wrangler dev's answers were recorded on
// (testdata/conformance/module-rules/record.sh).
func moduleRulesFixture(t *testing.T) string {
	t.Helper()
	return testfs.Fixture(t, filepath.Join("..", "..", "testdata", "conformance", "module-rules"))
}

type recordedAnswers struct {
	Answers []struct {
		Path   string `json:"path"`
		Status int    `json:"status"`
		Body   string `json:"body"`
	} `json:"answers"`
}

// sameAnswers serves res on workerd and compares its answers with those
// wrangler dev gave on the fixture's config cfg.
func sameAnswers(t *testing.T, res *WorkerResult, cfg string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", "module-rules", "wrangler-answers", strings.TrimSuffix(cfg, ".jsonc")+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec recordedAnswers
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	get := serve(t, res, nil)
	for _, a := range rec.Answers {
		if status, body := get(a.Path); status != a.Status || body != a.Body {
			t.Errorf("GET %s = %d %s\n  wrangler dev: %d %s", a.Path, status, body, a.Status, a.Body)
		}
	}
}

func hashName(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:]) + "-" + filepath.Base(file)
}

func moduleList(mods []Module) []string {
	var out []string
	for _, m := range mods {
		out = append(out, m.Name+" "+m.Type)
	}
	return out
}

func TestWorkerDefaultModuleRules(t *testing.T) {
	root := moduleRulesFixture(t)
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.js"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(root, "src", "data")
	want := []string{
		hashName(t, filepath.Join(data, "hello.txt")) + " text",
		hashName(t, filepath.Join(data, "page.html")) + " text",
		hashName(t, filepath.Join(data, "query.sql")) + " text",
		hashName(t, filepath.Join(data, "blob.bin")) + " data",
		hashName(t, filepath.Join(data, "add.wasm")) + " wasm", // imported twice, once with ?module
	}
	slices.Sort(want)
	if got := moduleList(res.Modules); !slices.Equal(got, want) {
		t.Errorf("modules = %q, want %q", got, want)
	}
	if !strings.Contains(string(res.Script), `from "./`+hashName(t, filepath.Join(data, "add.wasm"))+`"`) {
		t.Errorf("the bundle does not import the wasm module by its name:\n%s", res.Script)
	}
	if !slices.Contains(res.Inputs, filepath.Join(data, "blob.bin")) {
		t.Errorf("Inputs lack the modules' files: %q", res.Inputs)
	}
	sameAnswers(t, res, "wrangler.jsonc")
}

func TestWorkerModuleRulesOfTheUser(t *testing.T) {
	root := moduleRulesFixture(t)
	yes := true
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.js"), Root: root,
		Modules: ModuleOptions{Rules: []ModuleRule{{Type: "Data", Globs: []string{"**/*.html"}, Fallthrough: &yes}}}})
	if err != nil {
		t.Fatal(err)
	}
	sameAnswers(t, res, "data-html.wrangler.jsonc")

	// Without fallthrough the default Data rule (.bin) is shadowed, and an
	// import it alone matches is refused, as wrangler refuses it.
	_, err = Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.js"), Root: root,
		Modules: ModuleOptions{Rules: []ModuleRule{{Type: "Data", Globs: []string{"**/*.html"}}}}})
	if err == nil || !strings.Contains(err.Error(), `the file ./data/blob.bin matched the module rule {"type":"Data","globs":["**/*.bin"]}, which is ignored`) ||
		!strings.Contains(err.Error(), "src/index.js:5:") {
		t.Errorf("err = %v", err)
	}
}

func TestWorkerPreserveFileNames(t *testing.T) {
	root := moduleRulesFixture(t)
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.js"), Root: root, Modules: ModuleOptions{PreserveFileNames: true}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"data/add.wasm wasm", "data/blob.bin data", "data/hello.txt text", "data/page.html text", "data/query.sql text"}
	if got := moduleList(res.Modules); !slices.Equal(got, want) {
		t.Errorf("modules = %q, want %q", got, want)
	}
	sameAnswers(t, res, "preserve.wrangler.jsonc")
}

func TestWorkerFindAdditionalModules(t *testing.T) {
	root := moduleRulesFixture(t)
	out := filepath.Join(root, ".valet", "build")
	opts := WorkerOptions{Entry: filepath.Join(root, "src", "additional.js"), Root: root, OutDir: out,
		Modules: ModuleOptions{FindAdditional: true, Rules: []ModuleRule{
			{Type: "ESModule", Globs: []string{"lang/*.js"}},
			{Type: "CommonJS", Globs: []string{"**/*.cjs"}},
		}}}
	res, err := Worker(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cjs/greet.cjs commonJsModule", "data/add.wasm wasm", "data/blob.bin data", "data/hello.txt text",
		"data/page.html text", "data/query.sql text", "lang/en.js esModule", "lang/fr.js esModule"}
	if got := moduleList(res.Modules); !slices.Equal(got, want) {
		t.Errorf("modules = %q, want %q", got, want)
	}
	if !strings.Contains(string(res.Script), `from "./cjs/greet.cjs"`) {
		t.Error("the found CommonJS module was bundled instead of imported")
	}
	sameAnswers(t, res, "additional.wrangler.jsonc")

	// OutDir holds the modules and says what they are; a module gone from
	// the build is gone from there.
	if got := readFile(t, filepath.Join(out, ModulesDir, "lang", "fr.js")); got != "export default \"bonjour\";\n" {
		t.Errorf("modules/lang/fr.js = %q", got)
	}
	meta, err := ReadWorkerMeta(out)
	if err != nil || len(meta.Modules) != len(want) || meta.Modules[0] != (ModuleMeta{Name: "cjs/greet.cjs", Type: ModuleCommonJS}) || meta.Main != "" {
		t.Errorf("meta = %+v, %v", meta, err)
	}
	if err := os.Remove(filepath.Join(root, "src", "lang", "fr.js")); err != nil {
		t.Fatal(err)
	}
	if _, err := Worker(opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, ModulesDir, "lang", "fr.js")); !os.IsNotExist(err) {
		t.Errorf("a removed module is still in the build: %v", err)
	}
}

func TestWorkerNoBundle(t *testing.T) {
	root := moduleRulesFixture(t)
	entry := filepath.Join(root, "nobundle", "index.js")
	res, err := Worker(WorkerOptions{Entry: entry, Root: root, NoBundle: true,
		Modules: ModuleOptions{FindAdditional: true, Rules: []ModuleRule{{Type: "ESModule", Globs: []string{"**/*.js"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Script) != readFile(t, entry) || res.Main != "index.js" || res.SourceMap != nil {
		t.Errorf("main %s is not shipped as written:\n%s", res.Main, res.Script)
	}
	want := []string{"data/add.wasm wasm", "data/hello.txt text", "lib/lazy.js esModule", "lib/shout.js esModule"}
	if got := moduleList(res.Modules); !slices.Equal(got, want) {
		t.Errorf("modules = %q, want %q", got, want)
	}
	if !slices.Equal(res.Exports, []string{"default"}) {
		t.Errorf("exports = %q", res.Exports)
	}
	sameAnswers(t, res, "nobundle.wrangler.jsonc")

	writeFile(t, filepath.Join(root, "nobundle", "index.ts"), "export default {};\n")
	_, err = Worker(WorkerOptions{Entry: filepath.Join(root, "nobundle", "index.ts"), Root: root, NoBundle: true})
	if err == nil || !strings.Contains(err.Error(), "no_bundle ships main as written") {
		t.Errorf("TypeScript with no_bundle: %v", err)
	}
}

func TestWorkerModuleNamedLikeValetsOwn(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "src", "index.js"), "export default { fetch() { return new Response(\"x\"); } };\n")
	writeFile(t, filepath.Join(root, "src", "worker.js"), "export default 1;\n")
	_, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "index.js"), Root: root,
		Modules: ModuleOptions{FindAdditional: true, Rules: []ModuleRule{{Type: "ESModule", Globs: []string{"*.js"}}}}})
	if err == nil || !strings.Contains(err.Error(), "the module worker.js (src/worker.js) has a name valet's own modules use") {
		t.Errorf("err = %v", err)
	}
}

// base_dir names the modules find_additional_modules finds: with main in a
// subdirectory, the bundle still imports them by their path below base_dir.
func TestWorkerBaseDir(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "src", "worker", "index.js"), `export default { async fetch(req) {
  const path = "./lang/" + new URL(req.url).pathname.slice(1) + ".js";
  return new Response((await import(path)).default);
} };
`)
	writeFile(t, filepath.Join(root, "src", "lang", "en.js"), "export default \"hello\";\n")
	writeFile(t, filepath.Join(root, "valet.jsonc"), "{}\n")
	res, err := Worker(WorkerOptions{Entry: filepath.Join(root, "src", "worker", "index.js"), Root: root,
		Modules: ModuleOptions{FindAdditional: true, BaseDir: "src", Skip: []string{filepath.Join(root, "valet.jsonc")},
			Rules: []ModuleRule{{Type: "ESModule", Globs: []string{"**/*.js"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := moduleList(res.Modules); !slices.Equal(got, []string{"lang/en.js esModule"}) {
		t.Errorf("modules = %q (the entry is not one of them)", got)
	}
	if status, body := serve(t, res, nil)("/en"); status != 200 || body != "hello" {
		t.Errorf("GET /en = %d %q", status, body)
	}
}
