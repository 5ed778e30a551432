package testfs

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// NpmInstall runs `npm install` in dir, which holds a package.json: the
// versions a fixture pins. Without npm or the registry the test is
// skipped, except in CI (CI=true or CI=1), where that is a failure.
func NpmInstall(t testing.TB, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("npm install in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.Missing(t, "npm install in %s (registry unreachable?): %v\n%s", dir, err, out)
	}
}
