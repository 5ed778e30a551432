// Package deploytest builds what tests of valet deploy put on a host: a
// static `valet edge` binary (pkg/deploy/testdata/edgebin), small enough to
// build quickly, where a release ships the whole valet binary. pkg/deploy's
// tests and the testscripts of the real binary (main_test.go, which sets it
// as VALET_EDGE_BINARY) share it.
package deploytest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// BuildEdge compiles testdata/edgebin with CGO_ENABLED=0 (it runs FROM
// scratch) into dir and returns the binary's path.
func BuildEdge(dir string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("deploytest: cannot find its own source")
	}
	deployDir := filepath.Dir(filepath.Dir(file))
	out := filepath.Join(dir, "valet")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/edgebin")
	cmd.Dir = deployDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the edge binary: %v\n%s", err, b)
	}
	return out, nil
}
