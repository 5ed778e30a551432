package image_test

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/image"
)

// TestUnreadInputKeepsTheImage: a file of the context that no COPY reads
// changes the input, so the engine builds; Docker's cache then gives the
// image that exists, with the same ID (nothing to restart).
func TestUnreadInputKeepsTheImage(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := progContext(t, "FROM scratch\nCOPY prog /prog\nENTRYPOINT [\"/prog\"]\n", map[string]string{"worker.ts": "v1"})
	opts := image.BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Tag: "valet-test-unread-" + filepath.Base(dir),
		Labels: map[string]string{engine.LabelApp: "unread"}}
	first, err := image.Build(ctx, e, opts)
	if err != nil {
		t.Fatal(err)
	}
	removeImage(t, e, first.ID)
	if err := os.WriteFile(filepath.Join(dir, "worker.ts"), []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &events.Recorder{}
	opts.Events = events.NewEmitter(rec)
	second, err := image.Build(ctx, e, opts)
	if err != nil {
		t.Fatal(err)
	}
	if second.Cached || second.Digest == first.Digest || !hasEvent(rec, events.StepDone, "") {
		t.Fatalf("second build = %+v: want a build (the input changed)", second)
	}
	if second.ID != first.ID {
		t.Errorf("an input no COPY reads made a new image: %s → %s", first.ID, second.ID)
	}
}

// TestDockerignoreAsTheEngine: what a COPY . sees is what Docker's rules
// say: patterns match from the context root, ! re-includes (a later line
// wins), and the Dockerfile and .dockerignore are sent but not copied when
// a pattern excludes them.
func TestDockerignoreAsTheEngine(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := progContext(t, "FROM scratch\nCOPY . /ctx/\nENTRYPOINT [\"/ctx/prog\"]\n", map[string]string{
		".dockerignore":   "*.log\n**/*.tmp\ndocs\n!docs/keep.md\nstate/\nDockerfile\n.dockerignore\nsecret*\n!secret.pub\n",
		"app.log":         "x",
		"sub/deep.log":    "kept: *.log is for the root only",
		"sub/a.tmp":       "x",
		"b.tmp":           "x",
		"docs/guide.md":   "x",
		"docs/keep.md":    "re-included",
		"state/db.sqlite": "x",
		"secret.key":      "x",
		"secret.pub":      "re-included",
		"src/main.go":     "package main",
	})
	res, err := image.Build(ctx, e, image.BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Tag: "valet-test-ignore-" + filepath.Base(dir)})
	if err != nil {
		t.Fatal(err)
	}
	removeImage(t, e, res.ID)
	got := imageFiles(t, e, res.ID, "ctx/")
	want := []string{"docs/keep.md", "prog", "secret.pub", "src/main.go", "sub/deep.log"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files the image got\n got %v\nwant %v", got, want)
	}
}

// imageFiles lists the regular files under prefix in the image's
// filesystem, read from a container created (never started) from it.
func imageFiles(t *testing.T, e *engine.Engine, id, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	c, err := e.Client().ContainerCreate(ctx, client.ContainerCreateOptions{Image: id})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Client().ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
	rc, err := e.Client().ContainerExport(ctx, c.ID, client.ContainerExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var files []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if name, ok := strings.CutPrefix(h.Name, prefix); ok && h.Typeflag == tar.TypeReg {
			files = append(files, name)
		}
	}
	sort.Strings(files)
	return files
}
