package edgehost

import (
	"io"
	"sync"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui"
)

// logSink writes every event of the edge as one JSON line (pkg/ui's, as
// --json writes it) to the container's output, which `valet logs` reads
// back, and keeps the last events of worker output and errors, which a
// failed health check shows.
type logSink struct {
	mu   sync.Mutex
	out  io.Writer // shared by versions; guarded by outM
	outM *sync.Mutex
	tail []events.Event
	max  int
	// version stamps the events of one version: two run during a switch.
	version string
}

func newLogSink(out io.Writer, outMu *sync.Mutex, version string, max int) *logSink {
	return &logSink{out: out, outM: outMu, version: version, max: max}
}

// Emit implements events.Sink.
func (l *logSink) Emit(e events.Event) {
	if e.Version == "" {
		e.Version = l.version
	}
	l.keep(e)
	if l.out == nil {
		return
	}
	b, err := ui.MarshalEvent(e)
	if err != nil {
		return
	}
	l.outM.Lock()
	_, _ = l.out.Write(append(b, '\n'))
	l.outM.Unlock()
}

// keep adds e to the tail without writing it (another sink does).
func (l *logSink) keep(e events.Event) {
	if inTail(e) {
		l.mu.Lock()
		l.tail = append(l.tail, e)
		if len(l.tail) > l.max {
			l.tail = l.tail[len(l.tail)-l.max:]
		}
		l.mu.Unlock()
	}
}

// Tail returns the last lines of worker output and errors, as plain lines.
func (l *logSink) Tail() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := make([]string, 0, len(l.tail))
	for _, e := range l.tail {
		lines = append(lines, ui.Line(e))
	}
	return lines
}

// inTail keeps what explains a failing version: its output, its failed
// requests, its warnings and failures.
func inTail(e events.Event) bool {
	switch e.Kind {
	case events.Log, events.Warning, events.StepFailed:
		return true
	case events.Request:
		return e.Error != ""
	}
	return false
}
