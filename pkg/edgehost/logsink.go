package edgehost

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/valet-dev/valet/pkg/events"
)

// logSink writes every event of the edge as one JSON line to the container's
// output (what `valet logs` follows) and keeps the last lines of worker
// output, which a failed health check shows.
type logSink struct {
	mu   sync.Mutex
	out  io.Writer // shared by versions; guarded by outMu
	outM *sync.Mutex
	tail []string
	max  int
	// quiet drops request events (the health check's own requests).
	version string
}

func newLogSink(out io.Writer, outMu *sync.Mutex, version string, max int) *logSink {
	return &logSink{out: out, outM: outMu, version: version, max: max}
}

// Emit implements events.Sink.
func (l *logSink) Emit(e events.Event) {
	l.keep(e)
	if l.out == nil {
		return
	}
	rec := struct {
		events.Event
		Version string `json:"version,omitempty"`
	}{e, l.version}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	l.outM.Lock()
	_, _ = l.out.Write(append(b, '\n'))
	l.outM.Unlock()
}

// keep adds e to the tail without writing it (another sink does).
func (l *logSink) keep(e events.Event) {
	if line := tailLine(e); line != "" {
		l.mu.Lock()
		l.tail = append(l.tail, line)
		if len(l.tail) > l.max {
			l.tail = l.tail[len(l.tail)-l.max:]
		}
		l.mu.Unlock()
	}
}

// Tail returns the last lines of worker output and errors.
func (l *logSink) Tail() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tail...)
}

func tailLine(e events.Event) string {
	switch {
	case e.Kind == events.Log:
		src := e.Source
		if src == "" {
			src = "worker"
		}
		return fmt.Sprintf("[%s] %s", src, e.Message)
	case e.Kind == events.Request && e.Error != "":
		return fmt.Sprintf("[request] %s %s → %d: %s", e.Method, e.Path, e.Status, e.Error)
	case e.Kind == events.Warning || e.Kind == events.StepFailed:
		return fmt.Sprintf("[%s] %s%s", e.Kind, e.Message, e.Error)
	}
	return ""
}
