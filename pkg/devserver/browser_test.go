package devserver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/valet-dev/valet/pkg/internal/testenv"
	"github.com/valet-dev/valet/pkg/scaffold"
)

// containerApp scaffolds the container-app template with its npm
// dependencies, as `valet init` does.
func containerApp(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("installs the template's npm dependencies; skipped with -short")
	}
	if os.Getenv("DOCKER_HOST") == "" {
		// The template's containers[] needs an engine; DOCKER_HOST names the test engine.
		testenv.Missing(t, "DOCKER_HOST is not set: no Docker Engine for the template's container")
	}
	dir := filepath.Join(t.TempDir(), "app")
	_, err := scaffold.Create(context.Background(), scaffold.Options{Dir: dir, Name: "live-app", Template: "container-app", Install: true})
	if err != nil {
		testenv.Missing(t, "scaffold container-app (npm registry unreachable?): %v", err)
	}
	return dir
}

// browser starts headless Chromium for the test.
func browser(t testing.TB) context.Context {
	t.Helper()
	chromium := testenv.LookPath(t, "chromium")
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// editAndWait edits file and measures how long until the page, without
// being reloaded by hand, shows want (evaluated as a JS condition).
func editAndWait(ctx context.Context, file, from, to, cond string) (time.Duration, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	src := strings.Replace(string(b), from, to, 1)
	start := time.Now()
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return 0, err
	}
	err = poll(ctx, cond)
	return time.Since(start), err
}

// TestBrowserLiveReload: the container-app template in headless Chromium;
// an edit to src/App.tsx shows in the page by itself, a CSS edit applies
// without a reload, a syntax error shows the overlay and the fix clears it.
func TestBrowserLiveReload(t *testing.T) {
	ctx := browser(t)
	dir := containerApp(t)
	s := startDev(t, dir)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("footer")),
	)
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.__valetReload === true`))
	}
	if err != nil {
		t.Fatalf("open the page: %v", err)
	}
	// React Fast Refresh: an edit of App.tsx updates the page without
	// reloading it (the marker survives) and App keeps its state (the echo
	// it shows after a click).
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__hotMarker = 1;
		[...document.querySelectorAll("button")].find((b) => b.textContent.includes("Echo")).click(); true`))
	if err == nil {
		err = poll(ctx, `document.querySelector("main pre") !== null`)
	}
	if err != nil {
		t.Fatalf("click Echo: %v", err)
	}
	app := filepath.Join(dir, "src", "App.tsx")
	for i, word := range []string{"Edited once", "Edited twice"} {
		d, err := editAndWait(ctx, app, "React frontend", word+" frontend",
			`document.body.innerText.includes("`+word+` frontend")`)
		if err != nil {
			t.Fatalf("edit %d of App.tsx did not show: %v", i+1, err)
		}
		t.Logf("edit %d of App.tsx to updated page: %v", i+1, d)
		kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__hotMarker === 1 && document.querySelector("main pre") !== null`))
		if err != nil || !kept {
			t.Errorf("edit %d: the page reloaded or App lost its state (Fast Refresh): %v", i+1, err)
		}
		write(t, app, strings.Replace(read(t, app), word+" frontend", "React frontend", 1))
		if err := poll(ctx, `document.body.innerText.includes("React frontend")`); err != nil {
			t.Fatal(err)
		}
	}

	// CSS: the page is not reloaded (the marker survives), the style applies.
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__marker = 1; getComputedStyle(document.body).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}
	css := filepath.Join(dir, "src", "index.css")
	write(t, css, read(t, css)+"\nbody { background-color: rgb(10, 20, 30) !important; }\n")
	if err := poll(ctx, `getComputedStyle(document.body).backgroundColor === "rgb(10, 20, 30)"`); err != nil {
		t.Fatalf("CSS edit did not apply (background was %s): %v", bg, err)
	}
	if marker, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__marker || 0`)); err != nil || marker != 1 {
		t.Errorf("the page reloaded for a CSS-only change (marker %d, %v)", marker, err)
	}

	// A syntax error shows the overlay with file:line:col; the fix removes it.
	good := read(t, app)
	write(t, app, strings.Replace(good, "export default function App() {", "export default function App() {\n  const broken = ;", 1))
	if err := poll(ctx, `document.querySelector("valet-error-overlay") !== null`); err != nil {
		t.Fatalf("no overlay: %v", err)
	}
	overlay, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("valet-error-overlay").shadowRoot.textContent`))
	if err != nil {
		t.Fatalf("no overlay: %v", err)
	}
	if !strings.Contains(overlay, "src/App.tsx:") {
		t.Errorf("overlay does not name the file: %q", overlay)
	}
	write(t, app, good)
	if err := poll(ctx, `document.querySelector("valet-error-overlay") === null && document.querySelector("footer") !== null`); err != nil {
		t.Fatalf("overlay not cleared after the fix: %v", err)
	}
}

// poll evaluates cond every few milliseconds until it holds. Unlike
// chromedp.Poll it survives the page reloading under it.
func poll(ctx context.Context, cond string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+cond+`) } catch { return false } })()`))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still false after 20s (last error: %v)", cond, err)
		}
		time.Sleep(3 * time.Millisecond)
	}
}
