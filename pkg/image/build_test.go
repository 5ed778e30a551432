package image_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/image"
)

func TestMain(m *testing.M) { enginetest.Main(m) }

// progContext writes a build context holding the static test program as
// "prog", the given Dockerfile and extra files.
func progContext(t *testing.T, dockerfile string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "prog"), ".")
	cmd.Dir = filepath.Join("..", "..", "testdata", "image", "prog")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compile prog: %v\n%s", err, out)
	}
	files["Dockerfile"] = dockerfile
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func removeImage(t *testing.T, e *engine.Engine, id string) {
	t.Cleanup(func() { _ = e.RemoveImage(context.Background(), id, true) })
}

func TestBuildCachedAndIgnored(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := progContext(t, "FROM scratch\nCOPY . /\nENTRYPOINT [\"/prog\"]\n", map[string]string{
		".dockerignore": "*.log\ncache/\n",
		"app.log":       "first",
		"data.txt":      "v1",
	})
	rec := &events.Recorder{}
	opts := image.BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Tag: "valet-Test-" + filepath.Base(dir), Events: events.NewEmitter(rec)}

	first, err := image.Build(ctx, e, opts)
	if err != nil {
		t.Fatal(err)
	}
	removeImage(t, e, first.ID)
	if first.Cached || first.ID == "" || !strings.HasPrefix(first.Ref, image.RepoName(opts.Tag)+":") {
		t.Fatalf("first build = %+v", first)
	}
	if !strings.HasSuffix(first.Ref, ":"+strings.TrimPrefix(first.Digest, "sha256:")[:12]) {
		t.Errorf("ref %s is not tagged with the input digest %s", first.Ref, first.Digest)
	}
	if !hasEvent(rec, events.StepDone, "") || !hasEvent(rec, events.Log, "Successfully built") {
		t.Errorf("events lack step done / build output: %+v", rec.Events())
	}

	// An ignored file changes: same input, no rebuild.
	if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte("second"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec2 := &events.Recorder{}
	opts.Events = events.NewEmitter(rec2)
	start := time.Now()
	second, err := image.Build(ctx, e, opts)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if !second.Cached || second.ID != first.ID || second.Ref != first.Ref {
		t.Errorf("second build = %+v, want cached %+v", second, first)
	}
	if !hasEvent(rec2, events.StepSkipped, "unchanged") {
		t.Errorf("no skipped step event: %+v", rec2.Events())
	}
	t.Logf("cached build check: %s", took)
	if took > 2*time.Second {
		t.Errorf("cached build took %s", took)
	}

	// A sent file changes: a new image.
	if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	third, err := image.Build(ctx, e, opts)
	if err != nil {
		t.Fatal(err)
	}
	removeImage(t, e, third.ID)
	if third.Cached || third.Ref == first.Ref {
		t.Errorf("third build = %+v, want a new image", third)
	}
}

func TestBuildArgs(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := progContext(t, "FROM scratch\nARG BUILD_NAME=default\nLABEL built.name=$BUILD_NAME\nENV BUILD_NAME=$BUILD_NAME\nCOPY prog /prog\nENTRYPOINT [\"/prog\"]\n", map[string]string{})
	res, err := image.Build(ctx, e, image.BuildOptions{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Tag:        "valet-test-args",
		BuildArgs:  map[string]string{"BUILD_NAME": "from-args"},
		Labels:     map[string]string{engine.LabelApp: "argsapp"},
	})
	if err != nil {
		t.Fatal(err)
	}
	removeImage(t, e, res.ID)
	inspect, err := e.Client().ImageInspect(ctx, res.Ref)
	if err != nil {
		t.Fatal(err)
	}
	labels := inspect.Config.Labels
	if labels["built.name"] != "from-args" || labels[engine.LabelApp] != "argsapp" {
		t.Errorf("labels = %v", labels)
	}

	// The image runs: the build arg reached the program's environment.
	id, err := e.RunContainer(ctx, engine.ContainerSpec{Image: res.Ref, Cmd: []string{"hello"}, Labels: enginetest.Labels(t)})
	if err != nil {
		t.Fatal(err)
	}
	if code, err := e.Wait(ctx, id); err != nil || code != 0 {
		t.Fatalf("Wait = %d, %v", code, err)
	}
	var out strings.Builder
	if err := e.LogsTo(ctx, id, false, &out, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "prog hello BUILD_NAME=from-args\n" {
		t.Errorf("output = %q", got)
	}
}

func TestBuildFailingStep(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := progContext(t, "FROM scratch\nCOPY prog /prog\nRUN [\"/prog\", \"fail\"]\nENTRYPOINT [\"/prog\"]\n", map[string]string{})
	rec := &events.Recorder{}
	_, err := image.Build(ctx, e, image.BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Tag: "valet-test-fail", Events: events.NewEmitter(rec)})
	var be *image.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want *BuildError", err)
	}
	msg := err.Error()
	for _, want := range []string{"Step 3/", `: RUN ["/prog", "fail"]`, "checking the build", "selftest: missing /config.json", "non-zero code: 3", "valet-test-fail:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if !hasEvent(rec, events.StepFailed, "") {
		t.Errorf("no step failed event")
	}

	// A missing COPY source fails before any output of its own.
	dir = progContext(t, "FROM scratch\nCOPY nothere /x\n", map[string]string{})
	_, err = image.Build(ctx, e, image.BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Tag: "valet-test-fail"})
	if !errors.As(err, &be) || !strings.Contains(err.Error(), ": COPY nothere /x") || !strings.Contains(err.Error(), "nothere") {
		t.Errorf("err = %v", err)
	}
}

func TestEnsureRegistryImage(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref := enginetest.GoImage(t, e, "ensure", filepath.Join("..", "..", "testdata", "image", "prog"))
	res, err := image.Ensure(ctx, e, ref, nil)
	if err != nil || !res.Cached || res.ID == "" {
		t.Fatalf("Ensure(present) = %+v, %v", res, err)
	}
	// Nothing can be pulled here: the error must say what to do. (On a
	// machine online the pull of a missing tag fails too.)
	_, err = image.Ensure(ctx, e, "127.0.0.1:1/valet/absent:1", nil)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1/valet/absent:1") || !strings.Contains(err.Error(), e.Host()) {
		t.Errorf("Ensure(absent) err = %v", err)
	}
}

func hasEvent(rec *events.Recorder, kind events.Kind, text string) bool {
	for _, e := range rec.Events() {
		if e.Kind == kind && strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}
