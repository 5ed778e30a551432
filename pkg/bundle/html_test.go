package bundle

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestHTMLEntryRewrite(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "src", "a.ts"), "")
	writeFile(t, filepath.Join(root, "pages", "b.ts"), "")
	writeFile(t, filepath.Join(root, "pages", "style.css"), "")
	writeFile(t, filepath.Join(root, "public", "theme.css"), "")
	src := `<!doctype html>
<html>
  <head>
    <title>%VITE_NAME% %VITE_UNKNOWN%</title>
    <link rel="stylesheet" href="style.css"/>
    <link rel="stylesheet" href="/theme.css">
    <link rel="preload stylesheet" href="https://cdn.example.com/x.css">
    <script src="/legacy.js"></script>
  </head>
  <body>
    <script type="module" src="/src/a.ts"></script>
    <p>text</p> <script type="module" src="./b.ts?v=1"></script>
    <script type="module">console.log("inline")</script>
    <script type="module" src="https://cdn.example.com/m.js"></script>
  </body>
</html>
`
	writeFile(t, filepath.Join(root, "pages", "index.html"), src)
	e, err := parseHTMLEntry(root, filepath.Join(root, "public"), "pages/index.html", map[string]string{"VITE_NAME": "App"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Scripts) != 2 || len(e.Styles) != 1 {
		t.Fatalf("scripts %v styles %v", e.Scripts, e.Styles)
	}
	if got, want := e.imports(), "import \"./style.css\";\nimport \"../src/a.ts\";\nimport \"./b.ts\";\n"; got != want {
		t.Errorf("imports:\n%s\nwant\n%s", got, want)
	}
	out := string(e.rewrite(htmlTags{
		Script: "/assets/index-A.js", Preloads: []string{"/assets/chunk-B.js"},
		Styles: []string{"/assets/index-C.css"}, Inject: "<!--reload-->",
	}))
	want := `<!doctype html>
<html>
  <head>
    <title>App %VITE_UNKNOWN%</title>
    <link rel="stylesheet" href="/theme.css">
    <link rel="preload stylesheet" href="https://cdn.example.com/x.css">
    <script src="/legacy.js"></script>
    <link rel="modulepreload" crossorigin href="/assets/chunk-B.js">
    <link rel="stylesheet" crossorigin href="/assets/index-C.css">
  </head>
  <body>
    <script type="module" crossorigin src="/assets/index-A.js"></script>
    <p>text</p> 
    <script type="module">console.log("inline")</script>
    <script type="module" src="https://cdn.example.com/m.js"></script>
  <!--reload--></body>
</html>
`
	if out != want {
		t.Errorf("rewrite:\n%s\nwant:\n%s", out, want)
	}
}

func TestHTMLEntryWithoutHead(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "main.js"), "")
	writeFile(t, filepath.Join(root, "index.html"), `<div id=app></div><script type=module src=main.js></script>`)
	e, err := parseHTMLEntry(root, "", "index.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := string(e.rewrite(htmlTags{Script: "/assets/index-A.js", Styles: []string{"/assets/index-C.css"}}))
	want := `<div id=app></div><link rel="stylesheet" crossorigin href="/assets/index-C.css">
<script type="module" crossorigin src="/assets/index-A.js"></script>`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestHTMLEntryErrors(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.js"), "")
	writeFile(t, filepath.Join(root, "index.html"), "<body>\n<script type=\"module\" src=\"/a.js\">")
	if _, err := parseHTMLEntry(root, "", "index.html", nil); err == nil || !strings.Contains(err.Error(), "index.html:2: <script> has no closing </script>") {
		t.Errorf("unclosed script: %v", err)
	}
	writeFile(t, filepath.Join(root, "index.html"), "<link rel=stylesheet href=nope.css>")
	if _, err := parseHTMLEntry(root, "", "index.html", nil); err == nil || !strings.Contains(err.Error(), `index.html:1: <link href="nope.css">: nope.css: file not found`) {
		t.Errorf("missing css: %v", err)
	}
}

func TestIsLocalURL(t *testing.T) {
	for u, want := range map[string]bool{
		"/src/main.tsx": true, "./a.js": true, "a.js": true, "a/b:c.js": true,
		"https://x/y.js": false, "//cdn/y.js": false, "data:text/javascript,1": false, "": false,
	} {
		if got := isLocalURL(u); got != want {
			t.Errorf("isLocalURL(%q) = %v", u, got)
		}
	}
}
