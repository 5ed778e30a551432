//go:build ignore

// workerd finds the workerd the test suite runs, the way valet finds it for
// a user: the project's node_modules, else valet's cache, else a download of
// the pinned version through the npm registry npm's configuration names
// (VALET_CACHE_DIR chooses the cache). It prints the binary's path on
// stdout and its progress on stderr. Run it as `go run .ci/workerd.go`.
package main

import (
	"fmt"
	"os"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
)

func main() {
	em := events.NewEmitter(events.SinkFunc(func(e events.Event) {
		switch e.Kind {
		case events.Progress:
			if e.Bytes == e.Total || e.Bytes%(16<<20) < 1<<20 {
				fmt.Fprintf(os.Stderr, "workerd: %s: %d of %d MiB\n", e.Step, e.Bytes>>20, e.Total>>20)
			}
		case events.StepFailed:
			fmt.Fprintf(os.Stderr, "workerd: %s failed: %s\n", e.Step, e.Error)
		case events.Warning:
			fmt.Fprintf(os.Stderr, "workerd: warning: %s\n", e.Message)
		}
	}))
	b, err := workerd.Find(".", em)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "workerd %s (%s) at %s\n", b.Version, b.Source, b.Path)
	fmt.Println(b.Path)
}
