package scaffold

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"sync"

	"github.com/valet-dev/valet/pkg/events"
)

// Exec runs the program name with args in dir, writing its standard output
// and standard error to out. Options.Exec replaces it in tests.
type Exec func(ctx context.Context, dir string, out io.Writer, name string, args ...string) error

// SystemExec runs programs with os/exec.
func SystemExec(ctx context.Context, dir string, out io.Writer, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	return cmd.Run()
}

// logWriter turns a program's output into one Log event per line.
type logWriter struct {
	em     *events.Emitter
	step   string
	source string

	mu  sync.Mutex
	buf bytes.Buffer
}

func newLogWriter(em *events.Emitter, step, source string) *logWriter {
	return &logWriter{em: em, step: step, source: source}
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			// An incomplete line waits for the rest.
			w.buf.Reset()
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.emit(line)
	}
}

// Flush emits what is left after the last newline.
func (w *logWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.emit(w.buf.String())
		w.buf.Reset()
	}
}

func (w *logWriter) emit(line string) {
	line = strings.TrimRight(line, "\r\n")
	// npm redraws a progress line with carriage returns; keep the last.
	if i := strings.LastIndexByte(line, '\r'); i >= 0 {
		line = line[i+1:]
	}
	if strings.TrimSpace(line) == "" {
		return
	}
	w.em.Emit(events.Event{Kind: events.Log, Step: w.step, Source: w.source, Message: line})
}
