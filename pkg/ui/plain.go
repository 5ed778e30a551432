package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// plainReporter writes one line per event, for logs and CI: nothing is
// redrawn, so the output reads the same in a file as on a terminal.
type plainReporter struct {
	mu      sync.Mutex
	w       io.Writer
	f       lineFormat
	shown   map[string]int // step → last progress quarter printed
	err     error
	closed  bool
	pending []byte      // request lines not written yet (see Emit)
	timer   *time.Timer // writes pending when it fires
}

// requestDelay is how long a request's line may wait to be written with
// the next ones: under load, valet dev serves thousands of requests a
// second, and one write per line would cost more than serving some of them.
const requestDelay = 50 * time.Millisecond

func newPlainReporter(w io.Writer, f lineFormat) *plainReporter {
	return &plainReporter{w: w, f: f, shown: map[string]int{}}
}

func (p *plainReporter) Start() {}

func (p *plainReporter) Interrupted() <-chan struct{} { return nil }

func (p *plainReporter) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writePending()
	p.closed = true
	return p.err
}

// Emit writes e's line. A request's line waits up to requestDelay to be
// written with those that follow it; any other event writes what waits
// first, so lines keep their order.
func (p *plainReporter) Emit(e events.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.err != nil || !p.keep(e) {
		return
	}
	line := p.f.line(e) + "\n"
	if e.Kind == events.Request {
		p.pending = append(p.pending, line...)
		if p.timer == nil {
			p.timer = time.AfterFunc(requestDelay, p.flush)
		}
		return
	}
	p.pending = append(p.pending, line...)
	p.writePending()
}

func (p *plainReporter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writePending()
}

// writePending writes what waits; p.mu is held.
func (p *plainReporter) writePending() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if len(p.pending) == 0 || p.err != nil || p.closed {
		p.pending = p.pending[:0]
		return
	}
	if _, err := p.w.Write(p.pending); err != nil {
		p.err = fmt.Errorf("write progress: %w", err)
	}
	p.pending = p.pending[:0]
}

// keep prints a transfer at 25%, 50%, 75% and 100% only: a line per chunk
// would drown the log. Transfers of unknown size print nothing.
func (p *plainReporter) keep(e events.Event) bool {
	switch e.Kind {
	case events.StepDone, events.StepFailed:
		delete(p.shown, e.Step)
	case events.Progress:
		if e.Total <= 0 {
			return false
		}
		quarter := text.Percent(e.Bytes, e.Total) / 25
		if quarter == 0 || quarter <= p.shown[e.Step] {
			return false
		}
		p.shown[e.Step] = quarter
	}
	return true
}

// Line is e as the plain line valet prints in CI, without color, for text
// that other code carries: a failed health check's last log lines.
func Line(e events.Event) string { return plainFormat(false, false).line(e) }

// lineFormat renders one event as one line (more for a multi-line error).
type lineFormat struct {
	sym   text.Symbols
	st    text.Styles
	stamp bool // each line starts with the event's time (valet logs)
}

// plainFormat is Unicode symbols with color, ASCII without: output without
// color may be a log that is not read as UTF-8.
func plainFormat(color, stamp bool) lineFormat {
	sym := text.ASCII()
	if color {
		sym = text.Unicode()
	}
	return lineFormat{sym: sym, st: text.NewStyles(color), stamp: stamp}
}

func (f lineFormat) line(e events.Event) string {
	line := f.text(e)
	if e.Host != "" {
		line = f.st.Source.Render(e.Host) + " " + line
	}
	if f.stamp && !e.Time.IsZero() {
		line = f.st.Faint.Render(e.Time.Local().Format("15:04:05.000")) + " " + line
	}
	return line
}

func (f lineFormat) text(e events.Event) string {
	sym, st := f.sym, f.st
	dur := func() string { return "  " + st.Faint.Render(text.Duration(e.Duration)) }
	switch e.Kind {
	case events.StepStarted:
		return st.Faint.Render(sym.Started) + " " + e.Step + f.ellipsis()
	case events.StepDone:
		return st.Done.Render(sym.Done) + " " + e.Step + dur()
	case events.StepSkipped:
		return st.Skipped.Render(sym.Skipped+" "+e.Step) + withNote("skipped", e.Message)
	case events.StepFailed:
		return st.Failed.Render(sym.Failed) + " " + e.Step + dur() + ": " + indent(e.Error)
	case events.Progress:
		return "  " + e.Step + "  " + st.Faint.Render(text.Progress(e.Bytes, e.Total))
	case events.Log:
		// The level shows in place of the pipe; a stack stays as the
		// worker wrote it, one frame a line.
		mark := st.LogMark(sym, e.Level)
		if e.Source == "" {
			if e.Level == "error" || e.Level == "warn" {
				return mark + " " + e.Message
			}
			return e.Message
		}
		return st.Source.Render(e.Source) + " " + mark + " " + e.Message
	case events.Info:
		return st.Faint.Render(sym.Info) + " " + indent(e.Message)
	case events.Warning:
		return st.Warning.Render(sym.Warning + " " + indent(e.Message))
	case events.Request:
		status := st.Status(e.Status).Render(fmt.Sprint(e.Status))
		line := fmt.Sprintf("%s %s %s %s", e.Method, e.Path, status, st.Faint.Render(text.Duration(e.Duration)))
		if e.Route != "" {
			line += " " + st.Faint.Render(sym.Arrow+" "+e.Route)
		}
		return line + errSuffix(e)
	case events.ContainerState:
		mark := st.Faint.Render(sym.Container)
		if e.State == "crashed" {
			mark = st.Failed.Render(sym.Container)
		}
		return mark + " " + text.Container(e) + " " + e.State + withNote("", e.Message) + errSuffix(e)
	case events.Ready:
		msg := e.Message
		switch {
		case msg == "":
			msg = "ready on " + st.URL.Render(e.URL)
		case strings.Contains(msg, e.URL):
			msg = strings.Replace(msg, e.URL, st.URL.Render(e.URL), 1)
		default:
			msg += " " + st.URL.Render(e.URL)
		}
		return st.Done.Render(sym.Ready) + " " + msg
	case events.Reloaded:
		return st.Done.Render(sym.Reloaded) + " reloaded" + withNote("", e.Message) + dur()
	}
	return st.Faint.Render(sym.Info) + " " + string(e.Kind) + withNote("", e.Message) + errSuffix(e)
}

func (f lineFormat) ellipsis() string {
	if f.sym.Done == text.ASCII().Done {
		return "..."
	}
	return "…"
}

// withNote appends "  label: note", or "  note" without a label.
func withNote(label, note string) string {
	switch {
	case note == "":
		return ""
	case label == "":
		return "  " + indent(note)
	}
	return "  " + label + ": " + indent(note)
}

func errSuffix(e events.Event) string {
	if e.Error == "" {
		return ""
	}
	return ": " + indent(e.Error)
}

// indent keeps a multi-line message under its first line.
func indent(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
