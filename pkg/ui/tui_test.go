package ui

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// syncBuffer is a bytes.Buffer safe to read while bubbletea writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tuiStreams() (*iostreams.IOStreams, *syncBuffer) {
	ios, _, _, _ := iostreams.Test()
	buf := &syncBuffer{}
	ios.ErrOut = buf
	ios.SetStderrTTY(true)
	return ios, buf
}

func TestTUIReporter(t *testing.T) {
	ios, errOut := tuiStreams()
	r := NewReporter(ios, TUI)
	// Events before Start wait for it.
	r.Emit(events.Event{Kind: events.StepStarted, Step: "bundle worker"})
	r.Start()
	r.Emit(events.Event{Kind: events.StepDone, Step: "bundle worker", Duration: 83 * time.Millisecond})
	r.Emit(events.Event{Kind: events.Ready, URL: "http://127.0.0.1:8787"})
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	out := errOut.String()
	for _, want := range []string{"bundle worker", "83ms", "http://127.0.0.1:8787", "done"} {
		if !strings.Contains(out, want) {
			t.Errorf("dashboard output lacks %q:\n%s", want, out)
		}
	}
	select {
	case <-r.Interrupted():
		t.Error("Interrupted closed although the work ended normally")
	default:
	}
	if err := r.Stop(); err != nil {
		t.Errorf("second Stop = %v", err)
	}
	r.Emit(events.Event{Kind: events.Info, Message: "after stop"}) // must not block or panic
}

// A burst of events from many goroutines reaches the view without blocking
// the emitters and without losing the last state.
func TestTUIReporterBurst(t *testing.T) {
	ios, errOut := tuiStreams()
	r := NewReporter(ios, TUI)
	r.Start()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				r.Emit(events.Event{Kind: events.Request, Method: "GET", Path: fmt.Sprintf("/%d/%d", g, i), Status: 200})
			}
		}()
	}
	wg.Wait()
	r.Emit(events.Event{Kind: events.Ready, URL: "http://127.0.0.1:9"})
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if out := errOut.String(); !strings.Contains(out, "4000 requests") {
		t.Errorf("final frame does not count 4000 requests:\n%s", out[max(0, len(out)-2000):])
	}
}

func TestTUIStopWithoutStart(t *testing.T) {
	ios, errOut := tuiStreams()
	r := NewReporter(ios, TUI)
	r.Emit(events.Event{Kind: events.Info, Message: "x"})
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if errOut.String() != "" {
		t.Errorf("a reporter never started drew %q", errOut)
	}
}
