// Package workerdtest gives tests the workerd binary they run.
package workerdtest

import (
	"os"
	"testing"

	"github.com/valet-dev/valet/pkg/workerd"
)

// Binary returns the workerd binary for tests: $VALET_WORKERD (.ci/test
// sets it), else the one valet would run from the current directory (the
// project's node_modules, or valet's cache). It never downloads. A missing
// workerd fails the test under CI and skips it elsewhere.
func Binary(t testing.TB) string {
	t.Helper()
	b, err := workerd.Plan(workerd.LocateOptions{Dir: "."})
	switch {
	case err != nil:
	case b.Missing:
		err = workerd.ErrNotFound
	default:
		return b.Path
	}
	const hint = "set VALET_WORKERD to a workerd binary, or run `go run .ci/workerd.go` (it fetches valet's pinned version into its cache)"
	if UnderCI() {
		t.Fatalf("workerd is required under CI: %v\n  %s", err, hint)
		return ""
	}
	t.Skipf("no workerd: %v\n  %s", err, hint)
	return ""
}

// UnderCI reports CI=true or CI=1 (anything but "", "false" or "0").
func UnderCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}
