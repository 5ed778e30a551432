package clustertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildUsesTheCache: a second run finds the server its first run built
// and runs no go command (here one that would fail).
func TestBuildUsesTheCache(t *testing.T) {
	cache := t.TempDir()
	want := filepath.Join(cache, "versitygw-"+Version, "versitygw")
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := Build(context.Background(), BuildOptions{CacheDir: cache, Go: filepath.Join(t.TempDir(), "no-go")})
	if err != nil || got != want {
		t.Fatalf("Build with the server cached: got %q, %v; want %q", got, err, want)
	}
}

// TestBuildFailureSaysWhat: a failed build names the module and version
// and leaves nothing in the cache that a later run would take for a
// server.
func TestBuildFailureSaysWhat(t *testing.T) {
	cache := t.TempDir()
	fake := filepath.Join(t.TempDir(), "go")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'go: no network' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Build(context.Background(), BuildOptions{CacheDir: cache, Go: fake})
	if err == nil || !strings.Contains(err.Error(), Module+"/cmd/versitygw@"+Version) || !strings.Contains(err.Error(), "go: no network") {
		t.Fatalf("want an error naming the module and go's output, got %v", err)
	}
	if _, ok := Cached(cache); ok {
		t.Fatal("a failed build left a server in the cache")
	}
}
