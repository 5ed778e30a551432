package enginetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/image"
)

// LabelTest marks images GoImage built, with the test process's id, so that
// Main removes exactly its own images at the end.
const LabelTest = "dev.valet.test"

// GoImage compiles a static Go program (CGO_ENABLED=0) into a FROM scratch
// image whose entrypoint is the program, and returns the image reference.
// goSource is either the text of a main package (one file) or the path of a
// directory holding one (a testdata dir; a go.mod is added when missing).
// Images are reused within the test process by source hash; they are removed
// at the test's cleanup, or at the end of the run under Main.
func GoImage(t testing.TB, e *engine.Engine, name, goSource string) string {
	t.Helper()
	src := t.TempDir()
	if st, err := os.Stat(goSource); err == nil && st.IsDir() && !strings.Contains(goSource, "\n") {
		if err := os.CopyFS(src, os.DirFS(goSource)); err != nil {
			t.Fatalf("copy %s: %v", goSource, err)
		}
	} else if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(goSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
		if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module valettest\n\ngo 1.22\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hash, err := hashDir(src)
	if err != nil {
		t.Fatal(err)
	}
	repo := image.RepoName("valet-test-" + name)
	ref := fmt.Sprintf("%s:%s-%s", repo, hash[:12], runID())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, ok, err := e.ImageExists(ctx, ref); err != nil {
		t.Fatal(err)
	} else if ok {
		return ref
	}

	buildDir := t.TempDir()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(buildDir, "app"), ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compile test program %s: %v\n%s", name, err, out)
	}
	df := filepath.Join(buildDir, "Dockerfile")
	if err := os.WriteFile(df, []byte("FROM scratch\nCOPY app /app\n"+
		// The ports test servers listen on: valet dev publishes an image's
		// EXPOSE'd ports on 127.0.0.1 and dials only loopback.
		"EXPOSE 8080 3210\nENTRYPOINT [\"/app\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := image.Build(ctx, e, image.BuildOptions{
		Dockerfile: df,
		Tag:        repo,
		Labels:     map[string]string{LabelTest: runID()},
	})
	if err != nil {
		t.Fatalf("build test image %s: %v", name, err)
	}
	if err := e.TagImage(ctx, res.ID, ref); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(envMain) == "" {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = e.RemoveImage(ctx, res.ID, true)
		})
	}
	return ref
}

// runID names this test process in image tags and labels: packages run as
// separate processes in parallel and must not remove each other's images.
func runID() string { return fmt.Sprintf("p%d", os.Getpid()) }

func hashDir(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// removeTestImages removes the images this process built (Main's teardown).
func removeTestImages(host string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: host})
	if err != nil {
		return
	}
	defer e.Close()
	list, err := e.Client().ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", LabelTest+"="+runID())})
	if err != nil {
		return
	}
	for _, img := range list.Items {
		_ = e.RemoveImage(ctx, img.ID, true)
	}
}
