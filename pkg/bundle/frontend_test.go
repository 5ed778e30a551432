package bundle

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sourcemap/sourcemap"
)

// reactApp copies the React fixture with the offline stand-in for react.
func reactApp(t *testing.T) string {
	t.Helper()
	root := fixture(t, "react-app")
	copyTree(t, filepath.Join("..", "..", "testdata", "bundle", "fake-react"), root)
	return root
}

// files indexes a result by path, with hashed names reduced to a pattern:
// "assets/index-*.js" -> the real name; a second match gets "#2".
func files(t *testing.T, res *FrontendResult) map[string]string {
	t.Helper()
	hashed := regexp.MustCompile(`-[A-Z0-9]{8}\.`)
	out := map[string]string{}
	for _, f := range res.Files {
		key := hashed.ReplaceAllString(f.Path, "-*.")
		for n := 2; out[key] != ""; n++ {
			key = strings.TrimSuffix(key, "#"+strconv.Itoa(n-1)) + "#" + strconv.Itoa(n)
		}
		out[key] = f.Path
	}
	return out
}

func TestFrontendBuild(t *testing.T) {
	root := reactApp(t)
	dist := filepath.Join(root, "dist")
	res, err := Frontend(FrontendOptions{Root: root, OutDir: dist})
	if err != nil {
		t.Fatal(err)
	}
	got := files(t, res)
	want := []string{
		"assets/Heavy-*.css", "assets/Heavy-*.js", "assets/chunk-*.js", "assets/index-*.css",
		"assets/index-*.js", "assets/logo-*.png", "favicon.svg", "index.html", "robots.txt", "vite.svg",
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		t.Fatalf("files = %q\nwant    %q", keys, want)
	}
	for _, f := range res.Files {
		data := readFile(t, filepath.Join(dist, filepath.FromSlash(f.Path)))
		sum := sha256.Sum256([]byte(data))
		if f.Hash != hex.EncodeToString(sum[:]) || f.Size != int64(len(data)) {
			t.Errorf("%s: hash/size do not match the file", f.Path)
		}
	}

	html := readFile(t, filepath.Join(dist, "index.html"))
	for _, s := range []string{
		`<title>Valet React (production)</title>`,
		`<script type="module" crossorigin src="/` + got["assets/index-*.js"] + `"></script>`,
		`<link rel="stylesheet" crossorigin href="/` + got["assets/index-*.css"] + `">`,
		`<link rel="stylesheet" crossorigin href="/` + got["assets/Heavy-*.css"] + `">`,
		`<link rel="modulepreload" crossorigin href="/` + got["assets/chunk-*.js"] + `">`,
		`<link rel="icon" type="image/svg+xml" href="/favicon.svg" />`,
		`window.__inlineScript = "kept";`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("index.html lacks %s:\n%s", s, html)
		}
	}
	for _, s := range []string{"/src/main.tsx", "/src/global.css", "%VITE_"} {
		if strings.Contains(html, s) {
			t.Errorf("index.html still has %s:\n%s", s, html)
		}
	}

	css := readFile(t, filepath.Join(dist, got["assets/index-*.css"]))
	for _, s := range []string{"min-height:100vh", "max-width:960px", "data:image/svg+xml", "gap:1rem", "url(/favicon.svg)"} {
		if !strings.Contains(css, s) {
			t.Errorf("index css lacks %s:\n%s", s, css)
		}
	}
	if strings.Index(css, "min-height") > strings.Index(css, "max-width") {
		t.Error("stylesheet linked in HTML should come before CSS imported by the script")
	}
	js := readFile(t, filepath.Join(dist, got["assets/index-*.js"]))
	for _, s := range []string{
		`"/` + got["assets/logo-*.png"] + `"`, "data:image/svg+xml", `"data-api":"/api"`,
		`"data-mode":"production"`, `import("/` + got["assets/Heavy-*.js"] + `")`,
		"Notes imported with ?raw.", "Hello from valet", `"/vite.svg"`,
	} {
		if !strings.Contains(js, s) {
			t.Errorf("index js lacks %s:\n%s", s, js)
		}
	}
	if strings.Contains(js, "must-not-leak") || strings.Contains(js, "\n  ") {
		t.Errorf("index js leaks a secret or is not minified:\n%s", js)
	}
	if readFile(t, filepath.Join(dist, "robots.txt")) != readFile(t, filepath.Join(root, "public", "robots.txt")) {
		t.Error("public file not copied as-is")
	}
	for _, in := range []string{"src/App.tsx", "src/notes.txt", "src/assets/logo.png", ".env", "index.html", "public/robots.txt"} {
		if !slices.Contains(res.Inputs, filepath.Join(root, filepath.FromSlash(in))) {
			t.Errorf("Inputs lack %s", in)
		}
	}
}

func TestFrontendHashes(t *testing.T) {
	a, b := reactApp(t), reactApp(t)
	ra, err := Frontend(FrontendOptions{Root: a, OutDir: filepath.Join(a, "dist")})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Frontend(FrontendOptions{Root: b, OutDir: filepath.Join(b, "out", "www")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ra.Files, rb.Files) {
		t.Errorf("identical sources, different outputs:\n%v\n%v", ra.Files, rb.Files)
	}

	app := filepath.Join(b, "src", "components", "Header.tsx")
	writeFile(t, app, strings.Replace(readFile(t, app), "<h1>", "<h1 className=\"title\">", 1))
	rc, err := Frontend(FrontendOptions{Root: b, OutDir: filepath.Join(b, "dist")})
	if err != nil {
		t.Fatal(err)
	}
	before, after := files(t, ra), files(t, rc)
	if before["assets/index-*.js"] == after["assets/index-*.js"] {
		t.Error("entry name did not change with its content")
	}
	for _, k := range []string{"assets/index-*.css", "assets/Heavy-*.js", "assets/logo-*.png"} {
		if before[k] != after[k] {
			t.Errorf("%s changed (%s -> %s) though its content did not", k, before[k], after[k])
		}
	}
}

func TestFrontendSyntaxError(t *testing.T) {
	root := reactApp(t)
	app := filepath.Join(root, "src", "App.tsx")
	lines := strings.Split(readFile(t, app), "\n")
	// Line 17 is `      <Header title={config.title} />`.
	lines[16] = "      <Header title={config.title />"
	writeFile(t, app, strings.Join(lines, "\n"))
	_, err := Frontend(FrontendOptions{Root: root, OutDir: filepath.Join(root, "dist")})
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *Error", err)
	}
	m := be.Messages[0]
	// `config.title /` parses as a division: the error is at the ">".
	if m.File != "src/App.tsx" || m.Line != 17 || m.Column != 36 {
		t.Errorf("at %s:%d:%d, want src/App.tsx:17:36\n%s", m.File, m.Line, m.Column, err)
	}
	if !strings.Contains(err.Error(), "src/App.tsx:17:36: error: Unexpected \">\"\n  17 |       <Header title={config.title />\n     |                                    ^") {
		t.Errorf("message:\n%s", err)
	}
}

func TestFrontendDev(t *testing.T) {
	root := reactApp(t)
	dist := filepath.Join(root, "dist")
	writeFile(t, filepath.Join(root, ".env.development"), "VITE_API_URL=/dev-api\n")
	res, err := Frontend(FrontendOptions{
		Root: root, OutDir: dist, Dev: true,
		Env:        map[string]string{"VALET_PUBLIC_BUILD": "42", "VITE_APP_TITLE": "From process"},
		InjectHTML: `<script src="/__valet/reload.js"></script>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := files(t, res)
	html := readFile(t, filepath.Join(dist, "index.html"))
	if !strings.Contains(html, "<title>From process (development)</title>") ||
		!strings.Contains(html, "<script src=\"/__valet/reload.js\"></script></body>") {
		t.Errorf("dev HTML:\n%s", html)
	}
	js := readFile(t, filepath.Join(dist, got["assets/index-*.js"]))
	for _, s := range []string{`"data-api": "/dev-api"`, `"data-mode": "development"`, "jsxDEV", "//# sourceMappingURL=data:application/json;base64,"} {
		if !strings.Contains(js, s) {
			t.Errorf("dev js lacks %s", s)
		}
	}

	// The inline source map maps the bundle back to src/App.tsx.
	i := strings.LastIndex(js, "base64,")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(js[i+len("base64,"):]))
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sourcemap.Parse("", raw)
	if err != nil {
		t.Fatal(err)
	}
	for n, line := range strings.Split(js, "\n") {
		col := strings.Index(line, `"Load more"`)
		if col < 0 {
			continue
		}
		src, _, l, _, ok := sm.Source(n+1, col)
		// Sources are relative to the bundle (dist/assets/), as browsers want.
		if !ok || src != "../../src/App.tsx" || l != 25 {
			t.Errorf("maps to %s:%d (ok=%v), want ../../src/App.tsx:25", src, l, ok)
		}
		return
	}
	t.Error(`"Load more" not found in the dev bundle`)
}

func TestFrontendEnvObject(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.html"), `<script type="module" src="./main.js"></script>`)
	writeFile(t, filepath.Join(root, "main.js"), `import p from "/p.svg"; window.env = import.meta.env; window.one = import.meta.env.VALET_PUBLIC_ONE; window.p = p;`)
	writeFile(t, filepath.Join(root, "public", "p.svg"), "<svg/>")
	res, err := Frontend(FrontendOptions{Root: root, OutDir: filepath.Join(root, "dist"), Base: "/app",
		Env: map[string]string{"VALET_PUBLIC_ONE": "1", "HOME": "/root"}})
	if err != nil {
		t.Fatal(err)
	}
	js := readFile(t, filepath.Join(root, "dist", files(t, res)["assets/index-*.js"]))
	for _, s := range []string{`MODE:"production"`, `DEV:!1`, `PROD:!0`, `BASE_URL:"/app/"`, `SSR:!1`, `VALET_PUBLIC_ONE:"1"`, `window.one="1"`, `"/app/p.svg"`} {
		if !strings.Contains(js, s) {
			t.Errorf("js lacks %s: %s", s, js)
		}
	}
	if strings.Contains(js, "/root") {
		t.Errorf("unprefixed variable exposed: %s", js)
	}
	if html := readFile(t, filepath.Join(root, "dist", "index.html")); !strings.Contains(html, `src="/app/assets/index-`) {
		t.Errorf("base not applied: %s", html)
	}
}

func TestFrontendContextRebuild(t *testing.T) {
	root := reactApp(t)
	dist := filepath.Join(root, "dist")
	c, err := NewFrontendContext(FrontendOptions{Root: root, OutDir: dist})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Dispose()
	first, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	stamp := func() map[string]time.Time {
		m := map[string]time.Time{}
		for _, f := range first.Files {
			st, err := os.Stat(filepath.Join(dist, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			m[f.Path] = st.ModTime()
		}
		return m
	}
	before := stamp()
	start := time.Now()
	again, err := c.Rebuild()
	t.Logf("no-change frontend rebuild: %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.Files, again.Files) {
		t.Error("no-change rebuild changed the outputs")
	}
	for p, m := range stamp() {
		if !m.Equal(before[p]) {
			t.Errorf("no-change rebuild rewrote %s", p)
		}
	}

	oldCSS := files(t, first)["assets/index-*.css"]
	writeFile(t, filepath.Join(root, "src", "index.css"), ".logo { height: 7em; }\n")
	writeFile(t, filepath.Join(root, "public", "extra.txt"), "new public file\n")
	writeFile(t, filepath.Join(root, "public", "index.html"), "public must not replace the entry\n")
	writeFile(t, filepath.Join(root, ".env.local"), "VITE_API_URL=/local-api\n")
	changed, err := c.Rebuild()
	if err != nil {
		t.Fatal(err)
	}
	got := files(t, changed)
	if got["assets/index-*.css"] == oldCSS {
		t.Error("CSS name did not change")
	}
	if _, err := os.Stat(filepath.Join(dist, oldCSS)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale %s left behind: %v", oldCSS, err)
	}
	if got["extra.txt"] == "" || readFile(t, filepath.Join(dist, "extra.txt")) != "new public file\n" {
		t.Error("new public file not copied")
	}
	if html := readFile(t, filepath.Join(dist, "index.html")); !strings.Contains(html, got["assets/index-*.css"]) {
		t.Errorf("public/index.html replaced the entry:\n%s", html)
	}
	if js := readFile(t, filepath.Join(dist, got["assets/index-*.js"])); !strings.Contains(js, "/local-api") {
		t.Error(".env.local change not picked up")
	}
}

func TestFrontendOutDir(t *testing.T) {
	root := reactApp(t)
	dist := filepath.Join(root, "dist")
	writeFile(t, filepath.Join(dist, "assets", "old-ABCDEFGH.js"), "stale")
	if _, err := Frontend(FrontendOptions{Root: root, OutDir: dist, KeepOutDir: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dist, "assets", "old-ABCDEFGH.js")); err != nil {
		t.Error("KeepOutDir removed a file")
	}
	if _, err := Frontend(FrontendOptions{Root: root, OutDir: dist}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dist, "assets", "old-ABCDEFGH.js")); !errors.Is(err, os.ErrNotExist) {
		t.Error("stale file kept in an OutDir inside the root")
	}
	outside := filepath.Join(t.TempDir(), "www")
	writeFile(t, filepath.Join(outside, "mine.txt"), "user file")
	if _, err := Frontend(FrontendOptions{Root: root, OutDir: outside}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(outside, "mine.txt")); err != nil {
		t.Error("emptied an OutDir outside the root")
	}
	if _, err := Frontend(FrontendOptions{Root: root, OutDir: root}); err == nil {
		t.Error("OutDir = Root accepted")
	}
}

func TestFrontendAliasAndErrors(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.html"), "<html><head></head><body>\n<script type=\"module\" src=\"/src/main.ts\"></script>\n</body></html>")
	writeFile(t, filepath.Join(root, "src", "main.ts"), `import { v } from "@/v"; import u from "./u.txt?url"; console.log(v, u);`)
	writeFile(t, filepath.Join(root, "lib", "v.ts"), `export const v: string = "aliased";`)
	writeFile(t, filepath.Join(root, "src", "u.txt"), "tiny")
	res, err := Frontend(FrontendOptions{Root: root, OutDir: filepath.Join(root, "dist"), Alias: map[string]string{"@": "./lib"}})
	if err != nil {
		t.Fatal(err)
	}
	got := files(t, res)
	js := readFile(t, filepath.Join(root, "dist", got["assets/index-*.js"]))
	if !strings.Contains(js, "aliased") || got["assets/u-*.txt"] == "" || !strings.Contains(js, got["assets/u-*.txt"]) {
		t.Errorf("alias or ?url failed: %v\n%s", got, js)
	}

	writeFile(t, filepath.Join(root, "index.html"), "<html>\n<body>\n<script type=\"module\" src=\"/src/missing.ts\"></script>\n</body></html>")
	_, err = Frontend(FrontendOptions{Root: root, OutDir: filepath.Join(root, "dist")})
	if err == nil || !strings.Contains(err.Error(), `index.html:3: <script src="/src/missing.ts">: src/missing.ts: file not found`) {
		t.Errorf("missing script: %v", err)
	}
	_, err = Frontend(FrontendOptions{Root: root, OutDir: filepath.Join(root, "dist"), Entries: []string{"nope.html"}})
	if err == nil || !strings.Contains(err.Error(), "frontend entry nope.html") {
		t.Errorf("missing entry: %v", err)
	}
}

func TestFrontendMultiPage(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.html"), `<head></head><script type="module" src="/src/index.ts"></script>`)
	writeFile(t, filepath.Join(root, "docs", "about.html"), `<head><link rel="stylesheet" href="../src/about.css"></head><script type="module" src="../src/about.ts"></script>`)
	writeFile(t, filepath.Join(root, "plain.html"), `<head><link rel="stylesheet" href="/src/about.css"></head><p>no script</p>`)
	writeFile(t, filepath.Join(root, "src", "shared.ts"), `export const shared = () => "shared code";`)
	writeFile(t, filepath.Join(root, "src", "index.ts"), `import { shared } from "./shared"; console.log(shared(), "index");`)
	writeFile(t, filepath.Join(root, "src", "about.ts"), `import { shared } from "./shared"; console.log(shared(), "about");`)
	writeFile(t, filepath.Join(root, "src", "about.css"), `p { color: red }`)
	res, err := Frontend(FrontendOptions{Root: root, OutDir: filepath.Join(root, "dist"),
		Entries: []string{"index.html", "/docs/about.html", "plain.html"}})
	if err != nil {
		t.Fatal(err)
	}
	got := files(t, res)
	for _, k := range []string{"assets/index-*.js", "assets/about-*.js", "assets/about-*.css", "assets/chunk-*.js", "assets/plain-*.css", "docs/about.html", "plain.html"} {
		if got[k] == "" {
			t.Errorf("no %s in %v", k, got)
		}
	}
	if got["assets/plain-*.js"] != "" {
		t.Error("an HTML entry without scripts got a script")
	}
	about := readFile(t, filepath.Join(root, "dist", "docs", "about.html"))
	for _, s := range []string{`src="/` + got["assets/about-*.js"], `href="/` + got["assets/chunk-*.js"], `href="/` + got["assets/about-*.css"]} {
		if !strings.Contains(about, s) {
			t.Errorf("about.html lacks %s:\n%s", s, about)
		}
	}
	plain := readFile(t, filepath.Join(root, "dist", "plain.html"))
	if !strings.Contains(plain, `<link rel="stylesheet" crossorigin href="/`+got["assets/plain-*.css"]+`">`) || strings.Contains(plain, "<script") {
		t.Errorf("plain.html:\n%s", plain)
	}
}
