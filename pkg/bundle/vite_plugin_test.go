package bundle

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestAssetFilter(t *testing.T) {
	re := regexp.MustCompile(assetFilter())
	for p, want := range map[string]bool{
		"/a/logo.png": true, "/a/font.woff2": true, "/a/x.svg": true, "/a/clip.mp4": true,
		"/a/App.tsx": false, "/a/x.css": false, "/a/data.json": false, "/a/x.png.ts": false,
	} {
		if got := re.MatchString(p); got != want {
			t.Errorf("%s: %v", p, got)
		}
	}
}

// An asset under Vite's 4 KiB limit is inlined; at the limit it is a file.
func TestAssetsInlineLimit(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "index.html"), `<script type="module" src="/main.js"></script>`)
	writeFile(t, filepath.Join(root, "main.js"), `import a from "./small.png"; import b from "./big.png"; import r from "./big.png?raw"; console.log(a, b, r.length);`)
	writeFile(t, filepath.Join(root, "small.png"), strings.Repeat("s", assetsInlineLimit-1))
	writeFile(t, filepath.Join(root, "big.png"), strings.Repeat("b", assetsInlineLimit))
	res, err := Frontend(FrontendOptions{Root: root, OutDir: filepath.Join(root, "dist")})
	if err != nil {
		t.Fatal(err)
	}
	got := files(t, res)
	js := readFile(t, filepath.Join(root, "dist", got["assets/index-*.js"]))
	if got["assets/big-*.png"] == "" || !strings.Contains(js, got["assets/big-*.png"]) || !strings.Contains(js, "data:image/png,sss") {
		t.Errorf("files %v\njs %.300s", got, js)
	}
	if got["assets/small-*.png"] != "" {
		t.Error("small asset emitted as a file")
	}
	if !strings.Contains(js, strings.Repeat("b", 100)) {
		t.Error("?raw did not inline the content")
	}
}
