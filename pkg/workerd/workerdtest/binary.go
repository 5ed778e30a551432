// Package workerdtest gives tests the workerd binary they run.
package workerdtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
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
	testenv.Missing(t, "no workerd: %v\n  set VALET_WORKERD to a workerd binary, or run `go run .ci/workerd.go` (it fetches valet's pinned version into its cache)", err)
	return ""
}

// KnownShortfall reports whether failures a test saw are a shortfall of
// workerd itself, known in the version that --version names known (e.g.
// "workerd 2026-11-17"), and logs them as such. With another workerd it
// fails t: whoever bumps workerd finds out whether it was fixed. evidence
// says what the failures were and why they are workerd's.
func KnownShortfall(t testing.TB, known, what, evidence string) bool {
	t.Helper()
	out, err := exec.Command(Binary(t), "--version").Output()
	if version := strings.TrimSpace(string(out)); err != nil || version != known {
		t.Errorf("%s, with %q (%v), not the workerd known for it (%s): %s", what, version, err, known, evidence)
		return false
	}
	t.Logf("KNOWN SHORTFALL, not valet's: %s (%s): %s", what, known, evidence)
	return true
}

// Fetch runs cfg in workerd (config written to dir), makes one GET of path
// on its http socket, stops it and returns the body; any failure fails t.
func Fetch(t testing.TB, cfg *workerd.Config, dir, path string) string {
	t.Helper()
	sock, err := workerd.ShortDir("wt")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(sock)
	p, err := workerd.Start(context.Background(), workerd.StartOptions{
		Binary: Binary(t), Config: cfg, Dir: dir, SocketDir: sock, Ready: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(context.Background())
	rec := httptest.NewRecorder()
	workerd.NewProxy(p.HTTPSocket(), "").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://valet"+path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s\n%s", path, rec.Code, rec.Body, strings.Join(p.Tail(), "\n"))
	}
	return rec.Body.String()
}
