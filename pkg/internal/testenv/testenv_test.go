package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMissing runs a test that misses a part in a child process, once as
// under CI (CI=1, not only CI=true) and once outside: it must fail in the
// first and skip in the second.
func TestMissing(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		LookPath(t, "valet-no-such-program")
		t.Fatal("LookPath returned for a missing program")
	}
	for _, c := range []struct {
		ci, want string
		fail     bool
	}{
		{"1", "required under CI: valet-no-such-program is not installed", true},
		{"true", "required under CI", true},
		{"", "--- SKIP: TestMissing", false},
		{"false", "--- SKIP: TestMissing", false},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissing$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+c.ci, "BUILD_NUMBER=", "RUN_ID=")
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != c.fail || !strings.Contains(string(out), c.want) {
			t.Errorf("CI=%q: failed %v, want %v; output lacks %q:\n%s", c.ci, failed, c.fail, c.want, out)
		}
	}
}
