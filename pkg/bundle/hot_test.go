package bundle

import (
	"path/filepath"
	"strings"
	"testing"
)

// hotProject writes a small React-shaped project with stand-ins for react
// and react-refresh in its node_modules.
func hotProject(t *testing.T, withRefresh bool) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"index.html":                            `<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>`,
		"src/main.tsx":                          "import { version } from \"react\";\nimport App from \"./App\";\nimport { label } from \"./util\";\ndocument.body.append(String(<App />), version, label);\n",
		"src/App.tsx":                           "export default function App() {\n  return <p>first</p>;\n}\n",
		"src/util.ts":                           "export const label = \"util\";\n",
		"src/Extra.tsx":                         "export function Extra() {\n  return <i>extra</i>;\n}\n",
		"node_modules/react/package.json":       `{"name": "react", "main": "index.js"}`,
		"node_modules/react/index.js":           "exports.version = \"stub\";\n" + strings.Repeat("exports.filler = 'a large package';\n", 50),
		"node_modules/react/jsx-dev-runtime.js": "exports.jsxDEV = (type, props) => ({ type, props });\nexports.Fragment = 'f';\n",
	}
	if withRefresh {
		files["node_modules/react-refresh/package.json"] = `{"name": "react-refresh"}`
		files["node_modules/react-refresh/runtime.js"] = "exports.injectIntoGlobalHook = () => {};\nexports.register = () => {};\n"
	}
	for p, c := range files {
		writeFile(t, filepath.Join(root, p), c)
	}
	return root
}

func TestHotBuild(t *testing.T) {
	root := hotProject(t, true)
	c, err := NewFrontendContext(FrontendOptions{Root: root, OutDir: ".valet/dev", Dev: true, Hot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Dispose()
	first, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	app, main := filepath.Join(root, "src/App.tsx"), filepath.Join(root, "src/main.tsx")
	if m := first.Modules[app]; !m.Boundary || !strings.HasPrefix(m.URL, "/assets/src_App-") {
		t.Fatalf("App module = %+v (modules %v)", m, first.Modules)
	}
	if m, ok := first.Modules[main]; !ok || m.Boundary {
		t.Errorf("main module = %+v, %v: want an entry that is no boundary", m, ok)
	}
	if len(first.Modules) != 3 {
		t.Errorf("modules %v: want main, App, util (Extra is not imported)", first.Modules)
	}
	for _, f := range first.Files {
		if strings.HasSuffix(f.Path, ".js") && !strings.Contains(readFile(t, filepath.Join(root, ".valet/dev", f.Path)), "sourceMappingURL=/"+f.Path+".map") {
			t.Errorf("%s: want a linked source map", f.Path)
		}
	}
	if js := readFile(t, filepath.Join(root, ".valet/dev", first.Modules[app].URL)); !strings.Contains(js, "as default") {
		t.Errorf("App's chunk does not export App as default:\n%s", js)
	}
	for _, ch := range first.Modules[app].Chunks {
		if !strings.HasPrefix(ch, "/assets/") || !strings.HasSuffix(ch, ".js") || ch == first.Modules[app].URL {
			t.Errorf("App's chunks %v: want the URLs of the chunks it imports", first.Modules[app].Chunks)
		}
	}
	if len(first.Modules[app].Chunks) == 0 {
		t.Error("App's entry chunk imports no chunk: want the one its code is in (main imports App too)")
	}

	vendor := chunkWith(t, root, first, "a large package")
	edit := func(content string) *FrontendResult {
		t.Helper()
		writeFile(t, app, content)
		res, err := c.Rebuild()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	second := edit("export default function App() {\n  return <p>second</p>;\n}\n")
	if second.Relaid {
		t.Error("an edit of App laid the build out anew")
	}
	if second.Modules[app].URL == first.Modules[app].URL {
		t.Error("App's chunk kept its name after an edit")
	}
	// The package's chunk keeps its name: the page keeps its module.
	if vendor == "" || vendor != chunkWith(t, root, second, "a large package") {
		t.Errorf("the package's chunk was renamed by an edit of App: %q", vendor)
	}
	// Undoing the edit makes a chunk the page has not run yet.
	third := edit("export default function App() {\n  return <p>first</p>;\n}\n")
	if third.Modules[app].URL == first.Modules[app].URL {
		t.Error("undoing an edit gives back the first chunk: the page would not run it again")
	}
	// A module imported for the first time changes the layout.
	fourth := edit("import { Extra } from \"./Extra\";\nexport default function App() {\n  return <Extra />;\n}\n")
	if !fourth.Relaid {
		t.Error("a new module did not lay the build out anew")
	}
	if _, ok := fourth.Modules[filepath.Join(root, "src/Extra.tsx")]; !ok {
		t.Errorf("the new module has no chunk of its own: %v", fourth.Modules)
	}
}

// chunkWith is the output whose content has text.
func chunkWith(t *testing.T, root string, res *FrontendResult, text string) string {
	t.Helper()
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, ".js") && strings.Contains(readFile(t, filepath.Join(root, ".valet/dev", f.Path)), text) {
			return f.Path
		}
	}
	return ""
}

func TestHotBuildWithoutReactRefresh(t *testing.T) {
	root := hotProject(t, false)
	res, err := Frontend(FrontendOptions{Root: root, OutDir: ".valet/dev", Dev: true, Hot: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Modules != nil {
		t.Errorf("modules without react-refresh: %v", res.Modules)
	}
	if js, err := ReactRefreshRuntime(root); js != nil || err != nil {
		t.Errorf("runtime without react-refresh: %d bytes, %v", len(js), err)
	}
}

func TestReactRefreshRuntime(t *testing.T) {
	root := hotProject(t, true)
	sub := filepath.Join(root, "packages", "web")
	writeFile(t, filepath.Join(sub, "index.html"), "<!doctype html>")
	js, err := ReactRefreshRuntime(sub) // found in a parent's node_modules
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"injectIntoGlobalHook", "window.__valetRefresh"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("runtime script has no %s:\n%s", want, js)
		}
	}
	if strings.Contains(string(js), "import ") || strings.Contains(string(js), "export ") {
		t.Errorf("runtime is not a classic script:\n%s", js)
	}
}
