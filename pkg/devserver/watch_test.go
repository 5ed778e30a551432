package devserver

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// watchBatches watches a fresh project tree and returns its batches.
func watchBatches(t *testing.T) (string, <-chan []string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.ts"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := newWatcher(dir, func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out := make(chan []string)
	go w.batches(ctx, out, func(err error) { t.Error(err) })
	return dir, out
}

func nextBatch(t *testing.T, out <-chan []string) []string {
	t.Helper()
	select {
	case b := <-out:
		slices.Sort(b)
		return b
	case <-time.After(2 * time.Second):
		t.Fatal("no batch")
		return nil
	}
}

// An in-place save of one file is one batch, sent after the short settle.
func TestWatchLoneWrite(t *testing.T) {
	dir, out := watchBatches(t)
	a := filepath.Join(dir, "a.ts")
	start := time.Now()
	if err := os.WriteFile(a, []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b := nextBatch(t, out); !slices.Equal(b, []string{a}) {
		t.Errorf("batch %v, want [%s]", b, a)
	}
	if d := time.Since(start); d >= settle+50*time.Millisecond {
		t.Errorf("a lone write took %v to come out", d)
	}
}

// Files created together (a checkout, a generator) come in one batch.
func TestWatchBatchesTogether(t *testing.T) {
	dir, out := watchBatches(t)
	var want []string
	for _, n := range []string{"b.ts", "c.ts", "d.ts"} {
		p := filepath.Join(dir, n)
		want = append(want, p)
		if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b := nextBatch(t, out); !slices.Equal(b, want) {
		t.Errorf("batch %v, want %v", b, want)
	}
}
