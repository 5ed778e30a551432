// Package testenv decides what a test does when a part it drives for real
// (a program, root, the npm registry, a Docker Engine) is missing: under
// CI it fails, because CI installs and starts every part (.ci/test), and a
// skip there would hide a test that never ran; elsewhere it skips, so that
// a laptop without chromium still runs the rest of the suite.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/valet-dev/valet/pkg/internal/ci"
)

// CI reports whether the tests run under CI (pkg/internal/ci's rule: CI=1
// and CI=true alike).
func CI() bool { return ci.Enabled() }

// Missing ends t because a part it needs is missing: t.Fatal under CI,
// t.Skip elsewhere. The message says what is missing and how to get it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("required under CI: %s\n  (.ci/test installs and starts every part the suite needs; a skip would hide this test)", msg)
		return // for a testing.TB whose Fatalf returns (a test of a test)
	}
	t.Skip(msg)
}

// LookPath returns the path of program name, or ends t with Missing.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s is not installed (.ci/deps.sh installs the Debian packages the suite drives)", name)
	}
	return p
}

// Root ends t with Missing unless the test runs as root (it starts dockerd,
// or changes the network namespace's firewall).
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "%s needs root", why)
	}
}
