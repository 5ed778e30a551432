package workerdtest

import (
	"context"
	"github.com/valet-dev/valet/pkg/workerd"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
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
