// Package ci says whether valet runs under a CI system. It is the one place
// that reads CI (and its relatives): valet's output (pkg/iostreams: no
// prompt, no dashboard) and the test suite (pkg/internal/testenv: a missing
// part fails a test instead of skipping it) must agree, so that CI=1 and
// CI=true mean the same everywhere. .ci/lib.sh's is_ci is the same rule
// for the shell scripts; TestShellAgrees keeps the two in step.
package ci

import "os"

// Vars are the variables CI systems set: CI (GitHub Actions, GitLab,
// CircleCI, Travis, Buildkite...), BUILD_NUMBER (Jenkins, TeamCity),
// RUN_ID (TaskCluster).
var Vars = []string{"CI", "BUILD_NUMBER", "RUN_ID"}

// Enabled reports whether one of Vars is set to anything but "", "false"
// or "0" (so CI=1, CI=true and CI=yes all count).
func Enabled() bool { return EnabledIn(os.Getenv) }

// EnabledIn is Enabled over another environment.
func EnabledIn(getenv func(string) string) bool {
	for _, k := range Vars {
		if On(getenv(k)) {
			return true
		}
	}
	return false
}

// On reports whether a CI variable's value means "under CI".
func On(v string) bool { return v != "" && v != "false" && v != "0" }
