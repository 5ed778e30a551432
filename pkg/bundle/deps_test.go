package bundle

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// depsProject is hotProject with more kinds of packages: CommonJS with and
// without __esModule, ESM with a default export, and an alias that looks
// like a package but is the project's.
func depsProject(t *testing.T) string {
	t.Helper()
	root := hotProject(t, true)
	files := map[string]string{
		"src/main.tsx": "import { version } from \"react\";\nimport esm, { named } from \"esm-pkg\";\nimport interop, { flag } from \"interop-pkg\";\n" +
			"import App from \"./App\";\nimport { label } from \"@/util\";\nimport { styled } from \"styled-pkg\";\n" +
			"document.body.append(String(<App />), version, label, esm, named, interop, String(flag), styled);\n",
		"node_modules/esm-pkg/package.json":     `{"name": "esm-pkg", "type": "module", "exports": "./index.js"}`,
		"node_modules/esm-pkg/index.js":         "export const named = 'named';\nexport default 'esm default';\n",
		"node_modules/interop-pkg/package.json": `{"name": "interop-pkg", "main": "lib.js"}`,
		"node_modules/interop-pkg/lib.js": "Object.defineProperty(exports, '__esModule', { value: true });\n" +
			"exports.default = 'interop default';\nexports.flag = process.env.NODE_ENV === 'development';\nexports['not-an-id'] = 1;\n",
		"node_modules/react/jsx-runtime.js":    "exports.jsx = (type, props) => ({ type, props });\nexports.jsxs = exports.jsx;\n",
		"node_modules/styled-pkg/package.json": `{"name": "styled-pkg", "main": "index.js"}`,
		"node_modules/styled-pkg/index.js":     "import './style.css';\nimport { version } from 'react';\nexport const styled = 'styled' + version;\n",
		"node_modules/styled-pkg/style.css":    ".styled-pkg { color: rgb(1, 2, 3); }\n",
		"node_modules/late-pkg/package.json":   `{"name": "late-pkg", "main": "index.js"}`,
		"node_modules/late-pkg/index.js":       "module.exports = { late: 'late' };\n",
	}
	for p, c := range files {
		writeFile(t, filepath.Join(root, p), c)
	}
	return root
}

func depsOptions(root string) FrontendOptions {
	return FrontendOptions{Root: root, OutDir: ".valet/dev/assets", Dev: true, Hot: true,
		DepsDir: ".valet/dev/deps", Alias: map[string]string{"@": "./src"}}
}

func TestDepsPrebundle(t *testing.T) {
	root := depsProject(t)
	c, err := NewFrontendContext(depsOptions(root))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Dispose()
	res, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	deps := filepath.Join(root, ".valet/dev/deps")
	for _, name := range []string{"react.js", "react_jsx-dev-runtime.js", "esm-pkg.js", "interop-pkg.js", depsManifest} {
		if _, err := os.Stat(filepath.Join(deps, name)); err != nil {
			t.Errorf("pre-bundle: %v", err)
		}
	}
	main := ""
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, ".js") {
			main += readFile(t, filepath.Join(root, ".valet/dev/assets", f.Path))
		}
	}
	for _, want := range []string{`"/__valet/deps/react.js"`, `"/__valet/deps/esm-pkg.js"`, `"/__valet/deps/interop-pkg.js"`} {
		if !strings.Contains(main, want) {
			t.Errorf("the app does not import %s:\n%s", want, main)
		}
	}
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, ".js") && strings.Contains(readFile(t, filepath.Join(root, ".valet/dev/assets", f.Path)), "a large package") {
			t.Errorf("%s holds react's code: packages belong to the pre-bundle", f.Path)
		}
	}
	// A package with its own CSS stays in the app's bundle, CSS and all.
	if !strings.Contains(main, "'styled'") && !strings.Contains(main, `"styled"`) {
		t.Error("styled-pkg (it imports CSS) is not bundled with the app")
	}
	css := ""
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, ".css") {
			css += readFile(t, filepath.Join(root, ".valet/dev/assets", f.Path))
		}
	}
	if !strings.Contains(css, "rgb(1, 2, 3)") {
		t.Errorf("styled-pkg's CSS is not in the app's CSS:\n%s", css)
	}
	if _, err := os.Stat(filepath.Join(deps, "styled-pkg.js")); err == nil {
		t.Error("styled-pkg was pre-bundled: its CSS would not load")
	}
	if _, ok := res.Modules[filepath.Join(root, "src/util.ts")]; !ok {
		t.Errorf("the alias @/util is the project's module, want it among %v", res.Modules)
	}
	if w := readFile(t, filepath.Join(deps, "react.js")); !strings.Contains(w, "version") || !strings.Contains(w, "filler") {
		t.Errorf("react.js does not re-export react's names:\n%s", w)
	}
	runDeps(t, deps, `
import * as react from "./react.js";
import esm, { named } from "./esm-pkg.js";
import interop, { flag } from "./interop-pkg.js";
import { jsxDEV } from "./react_jsx-dev-runtime.js";
const got = [react.version, react.default.version, esm, named, interop, flag, typeof jsxDEV].join(",");
if (got !== "stub,stub,esm default,named,interop default,true,function") throw new Error(got);
`)

	// An import added during the session bundles again and lays out anew.
	writeFile(t, filepath.Join(root, "src/util.ts"), "import { late } from \"late-pkg\";\nexport const label = late;\n")
	res, err = c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Relaid {
		t.Error("a new package import: want Relaid (a page reload)")
	}
	if _, err := os.Stat(filepath.Join(deps, "late-pkg.js")); err != nil {
		t.Errorf("late import not pre-bundled: %v", err)
	}

	// An edit of the project's code does not touch the pre-bundle.
	st, _ := os.Stat(filepath.Join(deps, "react.js"))
	writeFile(t, filepath.Join(root, "src/App.tsx"), "export default function App() {\n  return <p>second</p>;\n}\n")
	if res, err = c.Rebuild(); err != nil || res.Relaid {
		t.Fatalf("edit: relaid %v, %v", res != nil && res.Relaid, err)
	}
	if st2, _ := os.Stat(filepath.Join(deps, "react.js")); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("an edit of App.tsx rewrote the pre-bundle")
	}

	// npm install during the session (a new lockfile): bundled again, laid out anew.
	lock := filepath.Join(root, "package-lock.json")
	writeFile(t, lock, `{"lockfileVersion": 3}`)
	if res, err = c.Rebuild(); err != nil || !res.Relaid {
		t.Fatalf("new lockfile: relaid %v, %v; want a new layout", res != nil && res.Relaid, err)
	}
	if !slices.Contains(res.Inputs, lock) {
		t.Errorf("inputs %v lack the lockfile: the dev watcher would not rebuild on npm install", res.Inputs)
	}
	st2, _ := os.Stat(filepath.Join(deps, "react.js"))
	if st2.ModTime().Equal(st.ModTime()) {
		t.Error("the pre-bundle was not made again for the new lockfile")
	}
	st = st2
	if res, err = c.Rebuild(); err != nil || res.Relaid {
		t.Errorf("unchanged lockfile: relaid %v, %v", res != nil && res.Relaid, err)
	}

	// A new session with the same imports and lockfile reuses it.
	c2, err := NewFrontendContext(depsOptions(root))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Dispose()
	if _, err := c2.Rebuild(); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(filepath.Join(deps, "react.js")); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("a new session bundled the same dependencies again")
	}
}

// Production builds and dev builds without DepsDir bundle packages in.
func TestDepsOnlyInHotDev(t *testing.T) {
	root := depsProject(t)
	for _, o := range []FrontendOptions{
		{Root: root, OutDir: "dist", DepsDir: ".valet/dev/deps"},
		{Root: root, OutDir: "dist", Dev: true, Hot: true},
	} {
		o.Alias = map[string]string{"@": "./src"}
		res, err := Frontend(o)
		if err != nil {
			t.Fatal(err)
		}
		all := ""
		for _, f := range res.Files {
			all += readFile(t, filepath.Join(root, "dist", f.Path))
		}
		if strings.Contains(all, "/__valet/deps/") || !strings.Contains(all, "esm default") {
			t.Errorf("dev %v: packages not bundled into the app", o.Dev)
		}
		if _, err := os.Stat(filepath.Join(root, ".valet/dev/deps")); err == nil {
			t.Errorf("dev %v: a pre-bundle was written", o.Dev)
		}
	}
}

// runDeps runs an ES module in node beside (a copy of) the pre-bundle, when
// node is here.
func runDeps(t *testing.T, dir, src string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Log("node not installed: the pre-bundle is not run")
		return
	}
	// A copy where the chunks' URLs (DepsURL) are relative, as node wants.
	run := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		writeFile(t, filepath.Join(run, e.Name()), strings.ReplaceAll(readFile(t, filepath.Join(dir, e.Name())), `"/__valet/deps/`, `"./`))
	}
	writeFile(t, filepath.Join(run, "package.json"), `{"type": "module"}`)
	writeFile(t, filepath.Join(run, "check.js"), src)
	if out, err := exec.Command(node, filepath.Join(run, "check.js")).CombinedOutput(); err != nil {
		t.Errorf("run the pre-bundle: %v\n%s", err, out)
	}
}

func TestDepWrapper(t *testing.T) {
	cjs := depWrapper("/n/m.js", depExports{cjs: true, names: []string{"a", "b"}})
	if !strings.Contains(cjs, "export default __valet_ns.default;") || !strings.Contains(cjs, "export const { a, b } = __valet_ns;") {
		t.Errorf("cjs wrapper:\n%s", cjs)
	}
	esm := depWrapper("/n/m.js", depExports{deflt: true})
	if !strings.Contains(esm, `export * from "/n/m.js";`) || !strings.Contains(esm, `export { default } from "/n/m.js";`) {
		t.Errorf("esm wrapper:\n%s", esm)
	}
	for n, want := range map[string]bool{"useState": true, "$x": true, "default": false, "not-an-id": false, "class": false, "__esModule": false} {
		if exportName(n) != want {
			t.Errorf("exportName(%q) = %v", n, !want)
		}
	}
}

// Without react-refresh (edits reload the page), packages are pre-bundled too.
func TestDepsWithoutFastRefresh(t *testing.T) {
	root := hotProject(t, false)
	res, err := Frontend(depsOptions(root))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Modules) != 0 {
		t.Errorf("modules %v without react-refresh", res.Modules)
	}
	if _, err := os.Stat(filepath.Join(root, ".valet/dev/deps/react.js")); err != nil {
		t.Errorf("react not pre-bundled: %v", err)
	}
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, ".js") && strings.Contains(readFile(t, filepath.Join(root, ".valet/dev/assets", f.Path)), "a large package") {
			t.Errorf("%s holds react's code", f.Path)
		}
	}
}

// A pre-bundle that fails (here: DepsDir cannot be made) leaves dev
// working, with the packages in the app's bundle and the reason said.
func TestDepsFailureFallsBack(t *testing.T) {
	root := hotProject(t, true)
	writeFile(t, filepath.Join(root, "blocker"), "a file, not a directory")
	o := depsOptions(root)
	o.DepsDir = "blocker/deps"
	c, err := NewFrontendContext(o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Dispose()
	res, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	if res.DepsError == "" {
		t.Error("no DepsError for a pre-bundle that could not be written")
	}
	app := ""
	for _, f := range res.Files {
		app += readFile(t, filepath.Join(root, ".valet/dev/assets", f.Path))
	}
	if !strings.Contains(app, "a large package") {
		t.Error("react is not bundled with the app after the pre-bundle failed")
	}
	writeFile(t, filepath.Join(root, "src/App.tsx"), "export default function App() {\n  return <p>second</p>;\n}\n")
	if res, err = c.Rebuild(); err != nil || res.DepsError != "" || res.Relaid {
		t.Errorf("next edit: %v, DepsError %q, relaid %v: want a plain rebuild", err, res.DepsError, res.Relaid)
	}
}
