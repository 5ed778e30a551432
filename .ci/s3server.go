//go:build ignore

// s3server builds the S3-compatible server the cluster tests run
// (pkg/workerd/clustertest: versitygw, pinned there) from source with
// `go install`, once: into VALET_CACHE_DIR/s3server/<version>, where a
// later run finds it. It prints the binary's path on stdout and go's
// output on stderr. Run it as `go run .ci/s3server.go`.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/valet-dev/valet/pkg/workerd/clustertest"
)

func main() {
	start := time.Now()
	cache, err := clustertest.CacheDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, cached := clustertest.Cached(cache)
	p, err := clustertest.Build(context.Background(), clustertest.BuildOptions{CacheDir: cache, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	how := "built"
	if cached {
		how = "cached"
	}
	fmt.Fprintf(os.Stderr, "s3 server %s@%s %s in %.1fs: %s\n", clustertest.Module, clustertest.Version, how, time.Since(start).Seconds(), p)
	fmt.Println(p)
}
