package workerdtest

import (
	"github.com/valet-dev/valet/pkg/workerd"
	"os"
	"testing"
)

// TestBinary returns the workerd binary for tests: $VALET_WORKERD, else the
// one Locate finds from the current directory, fetching the pinned version
// into the cache when needed.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VALET_WORKERD"); p != "" {
		return p
	}
	b, err := workerd.Locate(workerd.LocateOptions{Dir: "."})
	if err != nil {
		t.Fatalf("workerd for tests: %v", err)
	}
	return b.Path
}
