package devserver

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkStart times the real binary from spawn to the first 200 of a
// worker route (valet dev's "start to first 200, without containers"), on
// each fixture named in BENCH_START (testdata/devserver/<name>, path), RUNS
// times (default 10). A benchmark, not a timed test: it prints figures.
//
//	BENCH_START="app" RUNS=20 go test -run '^$' -bench BenchmarkStart -benchtime 1x ./pkg/devserver
func BenchmarkStart(b *testing.B) {
	t := b
	names := filepath.SplitList(os.Getenv("BENCH_START"))
	if len(names) == 0 {
		names = []string{"app"}
	}
	runs := 10
	fmt.Sscan(os.Getenv("RUNS"), &runs)
	bin := buildValet(t)
	for _, name := range names {
		path := os.Getenv("BENCH_PATH")
		if path == "" {
			path = "/api/hello"
		}
		dir := fixture(t, name)
		// One start first, so that the times below are of a warm disk
		// cache and a built .valet/, as after any earlier session.
		startToFirst200(t, bin, dir, path)
		var times []time.Duration
		for range runs {
			times = append(times, startToFirst200(t, bin, dir, path))
		}
		slices.Sort(times)
		fmt.Printf("%s: valet dev start to first 200 on %s: median %d ms, min %d ms, max %d ms (%d runs)\n",
			name, path, times[len(times)/2].Milliseconds(), times[0].Milliseconds(), times[len(times)-1].Milliseconds(), len(times))
	}
}

func startToFirst200(t testing.TB, bin, dir, path string) time.Duration {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + path
	cmd := exec.Command(bin, "dev", "--no-tui", "--port", strconv.Itoa(port))
	cmd.Dir = dir
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	for time.Since(start) < 30*time.Second {
		res, err := client.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(start)
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no 200 from %s 30s after the start", url)
	return 0
}
