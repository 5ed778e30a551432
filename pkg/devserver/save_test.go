package devserver

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// TestSaveKeepsDurableObjects: a save of the worker starts a new version
// on a new workerd, which takes the Durable Object over before it serves
// (appserver.TakeObjects) and goes on with its storage as the previous
// version left it; the previous workerd stops.
// The time from the write to the first answer of the new code is logged
// (a figure, not a limit: timing is for benchmarks).
func TestSaveKeepsDurableObjects(t *testing.T) {
	dir := fixture(t, "durable")
	s := startDev(t, dir)
	for i, want := range []string{"v1 1", "v1 2"} {
		if _, body := get(t, s.url+"/count"); body != want {
			t.Fatalf("GET /count #%d = %q, want %q", i+1, body, want)
		}
	}
	if runtime.GOOS != "linux" {
		t.Skip("counts workerd processes in /proc")
	}
	before := workerdChildren(t)
	if len(before) != 1 {
		t.Fatalf("%d workerd processes before the save, want 1", len(before))
	}

	src := filepath.Join(dir, "worker.ts")
	start := time.Now()
	write(t, src, strings.Replace(read(t, src), `"v1"`, `"v2"`, 1))
	deadline := start.Add(10 * time.Second)
	for {
		_, body := get(t, s.url+"/other")
		if body == "v2 /other" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new version does not serve 10s after the save: %q", body)
		}
		time.Sleep(2 * time.Millisecond)
	}
	serving := time.Since(start)
	// The new version took the object over before it served (no request has
	// reached the object since the save), and goes on from its storage.
	waitFor(t, s.rec, "the object built by the new version", func(e events.Event) bool {
		return e.Kind == events.Log && e.Message == "Counter built by v2"
	}, 1)
	if _, body := get(t, s.url+"/count"); body != "v2 3" {
		t.Errorf("GET /count after the save = %q, want \"v2 3\" (storage kept)", body)
	}
	for _, e := range s.rec.Events() {
		if e.Kind == events.Reloaded || (e.Kind == events.StepDone && (e.Step == "worker" || e.Step == "start")) {
			t.Logf("%s %s %s %v", e.Kind, e.Step, e.Message, e.Duration)
		}
	}
	t.Logf("save to the new version serving: %v", serving)

	// The previous version's workerd stops once its requests are done.
	for deadline := time.Now().Add(10 * time.Second); ; {
		after := workerdChildren(t)
		if len(after) == 1 && after[0] != before[0] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workerd processes 10s after the save: %v (before: %v)", after, before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// workerdChildren lists the workerd processes this test process runs.
func workerdChildren(t *testing.T) []int {
	t.Helper()
	var pids []int
	for pid, name := range children(t, os.Getpid()) {
		if name == "workerd" {
			pids = append(pids, pid)
		}
	}
	return pids
}
