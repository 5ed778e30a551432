// Package clustertest gives tests a real S3-compatible bucket: Versity's S3
// gateway (versitygw, Apache-2.0) over a directory, built from source,
// since no image can be pulled here. workerd's cluster mode keeps its
// shared state in such a bucket and needs its conditional writes
// (If-None-Match: * to create, If-Match: <ETag> to replace), which
// versitygw makes atomic per key (backend/posix/objlock.go).
//
// MinIO, the usual choice, is under the AGPL and has no tagged module
// version (only pseudo-versions); versitygw has both a licence valet can
// ship tests with and semver releases on the Go module proxy.
package clustertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/valet-dev/valet/pkg/internal/flock"
)

// Module and Version pin the server the suite builds.
const (
	Module  = "github.com/versity/versitygw"
	Version = "v1.8.0"
	command = Module + "/cmd/versitygw"
	exe     = "versitygw"
)

// CacheDir is where built servers are kept, one directory per version:
// $VALET_CACHE_DIR/s3server, else the user's cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv("VALET_CACHE_DIR"); d != "" {
		return filepath.Join(d, "s3server"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("s3 server cache: %w (set VALET_CACHE_DIR)", err)
	}
	return filepath.Join(d, "valet", "s3server"), nil
}

// BuildOptions say where to build and what to tell.
type BuildOptions struct {
	CacheDir string    // "": CacheDir()
	Go       string    // the go command; "": "go" on PATH
	Log      io.Writer // go install's output (nil: kept for the error)
}

// Cached returns the path of the built server in cache, and whether it is
// there.
func Cached(cache string) (string, bool) {
	p := filepath.Join(cache, exe+"-"+Version, exe)
	st, err := os.Stat(p)
	return p, err == nil && st.Mode().IsRegular()
}

// Build returns the server's binary, building it with `go install` into
// the cache the first time only: later calls, and other processes, find it
// there. Concurrent builders (go test runs packages in parallel) take a
// lock, so one builds and the others wait for it.
func Build(ctx context.Context, opts BuildOptions) (string, error) {
	cache := opts.CacheDir
	if cache == "" {
		var err error
		if cache, err = CacheDir(); err != nil {
			return "", err
		}
	}
	if p, ok := Cached(cache); ok {
		return p, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("s3 server cache: %w", err)
	}
	unlock, err := flock.Lock(filepath.Join(cache, ".lock"))
	if err != nil {
		return "", fmt.Errorf("s3 server cache: %w", err)
	}
	defer unlock()
	p, ok := Cached(cache)
	if ok {
		return p, nil
	}
	tmp, err := os.MkdirTemp(cache, ".build-")
	if err != nil {
		return "", fmt.Errorf("s3 server cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	var out bytes.Buffer
	var w io.Writer = &out
	if opts.Log != nil {
		w = io.MultiWriter(&out, opts.Log)
	}
	cmd := exec.CommandContext(ctx, goCmd, "install", "-trimpath", "-ldflags=-s -w", command+"@"+Version)
	// Outside any module or workspace, as a user's `go install pkg@version`:
	// the build cannot pick up valet's go.mod, and a static binary needs no
	// C toolchain.
	cmd.Dir = tmp
	cmd.Env = append(buildEnv(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=-modcacherw", "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the S3 server (go install %s@%s): %w\n%s", command, Version, err, tail(out.String(), 20))
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	// The binary appears in its final place whole, or not at all.
	staged := filepath.Join(tmp, "out")
	if err := os.Mkdir(staged, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, exe), filepath.Join(staged, exe)); err != nil {
		return "", fmt.Errorf("s3 server cache: %w", err)
	}
	if err := os.Rename(staged, dir); err != nil {
		return "", fmt.Errorf("s3 server cache: %w", err)
	}
	return p, nil
}

// buildEnv is the environment minus what would point go install at
// another module layout.
func buildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOBIN", "GOWORK", "GOFLAGS", "GO111MODULE", "CGO_ENABLED":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
