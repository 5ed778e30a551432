package dev

import (
	"strings"
	"sync"
	"testing"

	"github.com/valet-dev/valet/pkg/iostreams"
)

// lockedBuffer is safe to read while bubbletea writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReporter runs the dashboard as valet dev does: events in, Stop, and
// one summary line left in the scrollback after the full screen.
func TestReporter(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	out := &lockedBuffer{}
	ios.ErrOut = out
	ios.SetStderrTTY(true)
	r := NewReporter(ios, Options{Bindings: devBindings()})
	r.Start()
	for _, e := range devEvents() {
		r.Emit(e)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	want := "valet dev stopped (http://127.0.0.1:8787): 3 requests, 1 reload\n"
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("output does not end with the summary %q:\n%q", want, got[max(0, len(got)-200):])
	}
	if err := r.Stop(); err != nil {
		t.Errorf("second Stop = %v", err)
	}
}
