package bundle

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// realReactApp is the React fixture with react and react-dom from npm.
// Without the registry the test is skipped, except in CI where it fails.
func realReactApp(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("installs react from npm; skipped with -short")
	}
	root := fixture(t, "react-app")
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "react@19", "react-dom@19")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.Missing(t, "npm install react (registry unreachable?): %v\n%s", err, out)
	}
	return root
}

// TestFrontendRealReactInBrowser builds the fixture against the real React
// 19 and runs it in headless Chromium: the app renders, the CSS linked from
// the HTML applies, and a click loads the dynamically imported chunk and
// its CSS.
func TestFrontendRealReactInBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "chromium")
	root := realReactApp(t)
	dist := filepath.Join(root, "dist")
	res, err := Frontend(FrontendOptions{Root: root, OutDir: dist})
	if err != nil {
		t.Fatal(err)
	}
	js := readFile(t, filepath.Join(dist, files(t, res)["assets/index-*.js"]))
	if len(js) < 100_000 || strings.Contains(js, "react.development") {
		t.Errorf("entry is %d bytes; want React's production build bundled", len(js))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dist))}
	go srv.Serve(ln)
	defer srv.Close()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	type page struct {
		Title    string `json:"title"`
		H1       string `json:"h1"`
		Margin   string `json:"margin"`
		Rows     int    `json:"rows"`
		RowColor string `json:"rowColor"`
	}
	const read = `({
		title: document.title,
		h1: document.querySelector("h1").textContent,
		margin: getComputedStyle(document.body).margin,
		rows: document.querySelectorAll("ul.heavy li").length,
		rowColor: document.querySelector("ul.heavy") ? getComputedStyle(document.querySelector("ul.heavy")).color : "",
	})`
	err = chromedp.Do(ctx,
		chromedp.Navigate("http://"+ln.Addr().String()+"/"),
		chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.Click(chromedp.CSS("main > button:last-of-type")),
		chromedp.WaitVisible(chromedp.CSS("ul.heavy li")),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	p, err := chromedp.Run(ctx, chromedp.Evaluate[page](read))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	title, h1, margin, rows, rowColor := p.Title, p.H1, p.Margin, p.Rows, p.RowColor
	if title != "Valet React (production)" || h1 != "Hello from valet" {
		t.Errorf("title %q, h1 %q", title, h1)
	}
	if margin != "0px" {
		t.Errorf("body margin %q: global.css not applied", margin)
	}
	if rows != 20 || rowColor != "rgb(102, 51, 153)" {
		t.Errorf("lazy chunk: %d rows, color %q", rows, rowColor)
	}
}
