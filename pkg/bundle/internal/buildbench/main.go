// Command buildbench times pkg/bundle on a project, for bench/build.sh:
// a cold frontend build (a fresh context, as `valet build` does) and the
// median of no-change rebuilds of the frontend plus, with -worker, the
// worker (as `valet dev` does on a save that changes nothing).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/valet-dev/valet/pkg/bundle"
)

func main() {
	root := flag.String("root", ".", "project root (index.html, src/, public/)")
	out := flag.String("out", "", "output dir (default <root>/dist-valet)")
	worker := flag.String("worker", "", "worker entry, relative to -root (optional)")
	rebuilds := flag.Int("rebuilds", 20, "no-change rebuilds to time (0: cold build only)")
	flag.Parse()
	if err := run(*root, *out, *worker, *rebuilds); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(root, out, worker string, rebuilds int) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "dist-valet")
	}
	opts := bundle.FrontendOptions{Root: root, OutDir: out}

	start := time.Now()
	fc, err := bundle.NewFrontendContext(opts)
	if err != nil {
		return err
	}
	defer fc.Dispose()
	res, err := fc.Rebuild()
	if err != nil {
		return err
	}
	cold := time.Since(start)
	var size int64
	for _, f := range res.Files {
		size += f.Size
	}
	fmt.Printf("frontend_cold_ms %.1f\n", ms(cold))
	fmt.Printf("frontend_files %d\nfrontend_bytes %d\n", len(res.Files), size)

	var wc *bundle.WorkerContext
	if worker != "" {
		start = time.Now()
		wc, err = bundle.NewWorkerContext(bundle.WorkerOptions{Entry: filepath.Join(root, worker), Root: root, OutDir: filepath.Join(out, "_worker")})
		if err != nil {
			return err
		}
		defer wc.Dispose()
		if _, err := wc.Rebuild(); err != nil {
			return err
		}
		fmt.Printf("worker_cold_ms %.1f\n", ms(time.Since(start)))
	}
	if rebuilds <= 0 {
		return nil
	}
	times := make([]time.Duration, 0, rebuilds)
	for range rebuilds {
		start = time.Now()
		if _, err := fc.Rebuild(); err != nil {
			return err
		}
		if wc != nil {
			if _, err := wc.Rebuild(); err != nil {
				return err
			}
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	fmt.Printf("rebuild_nochange_median_ms %.1f\nrebuild_nochange_max_ms %.1f\n", ms(times[len(times)/2]), ms(times[len(times)-1]))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
