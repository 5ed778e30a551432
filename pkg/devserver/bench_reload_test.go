package devserver

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkDevReload is bench/devreload.sh's browser side: for each dev
// server named in the environment (BENCH_<NAME>_URL serving the app in
// BENCH_<NAME>_DIR, for NAME in BENCH_SERVERS), it opens the page in
// headless Chromium, edits src/App.tsx RUNS times and measures the time
// from the write to the new text in the DOM, with no manual reload. A
// benchmark, not a test: go test runs it only when asked (-bench).
func BenchmarkDevReload(b *testing.B) {
	names := strings.Fields(os.Getenv("BENCH_SERVERS"))
	if len(names) == 0 {
		b.Fatal("BENCH_SERVERS names no dev server: run bench/devreload.sh")
	}
	for range b.N {
		devReloadBench(b, names)
	}
}

func devReloadBench(t testing.TB, names []string) {
	runs := 10
	fmt.Sscan(os.Getenv("RUNS"), &runs)
	ctx := browser(t)
	medians := map[string]time.Duration{}
	for _, name := range names {
		up := strings.ToUpper(name)
		url, dir := os.Getenv("BENCH_"+up+"_URL"), os.Getenv("BENCH_"+up+"_DIR")
		if err := chromedp.Do(ctx, chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.CSS("footer"))); err != nil {
			t.Fatalf("%s: open %s: %v", name, url, err)
		}
		app := filepath.Join(dir, "src", "App.tsx")
		cur := "React frontend"
		var times []time.Duration
		var first time.Duration
		for i := range runs + 1 {
			next := fmt.Sprintf("Edit%d%s frontend", i, name)
			d, err := editAndWait(ctx, app, cur, next, `document.body.innerText.includes("`+next+`")`)
			if err != nil {
				t.Fatalf("%s: edit %d: %v", name, i, err)
			}
			cur = next
			if i == 0 { // the first edit warms caches up: reported apart
				first = d
			} else {
				times = append(times, d)
			}
			time.Sleep(300 * time.Millisecond) // let the page settle (HMR, reload)
		}
		write(t, app, strings.Replace(read(t, app), cur, "React frontend", 1))
		slices.Sort(times)
		med, p90 := times[len(times)/2], times[len(times)*9/10]
		medians[name] = med
		fmt.Printf("%-6s edit-to-updated-page  median %4d ms  p90 %4d ms  min %4d ms  (%d edits; the first, apart: %d ms)\n",
			name, med.Milliseconds(), p90.Milliseconds(), times[0].Milliseconds(), len(times), first.Milliseconds())
		// For bench/devreload.sh.
		fmt.Printf("BENCH %s median_ms=%.1f p90_ms=%.1f first_ms=%.1f edits=%d\n", name, ms(med), ms(p90), ms(first), len(times))
	}
	if v, ok := medians["valet"]; ok {
		if w, ok := medians["vite"]; ok {
			fmt.Printf("devreload: valet %d ms, vite %d ms median edit-to-updated-page (valet takes %.2fx vite's time; target: below vite's)\n",
				v.Milliseconds(), w.Milliseconds(), float64(v)/float64(w))
		} else {
			fmt.Printf("devreload: valet %d ms median edit-to-updated-page (target < 300 ms)\n", v.Milliseconds())
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
