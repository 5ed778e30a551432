package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// plainReporter writes one line per event, for logs and CI: nothing is
// redrawn, so the output reads the same in a file as on a terminal.
type plainReporter struct {
	mu     sync.Mutex
	w      io.Writer
	sym    text.Symbols
	st     text.Styles
	shown  map[string]int // step → last progress quarter printed
	err    error
	closed bool
}

func newPlainReporter(w io.Writer, color bool) *plainReporter {
	sym := text.ASCII()
	if color {
		sym = text.Unicode()
	}
	return &plainReporter{w: w, sym: sym, st: text.NewStyles(color), shown: map[string]int{}}
}

func (p *plainReporter) Start() {}

func (p *plainReporter) Interrupted() <-chan struct{} { return nil }

func (p *plainReporter) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return p.err
}

func (p *plainReporter) Emit(e events.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.err != nil {
		return
	}
	line, ok := p.line(e)
	if !ok {
		return
	}
	if _, err := io.WriteString(p.w, line+"\n"); err != nil {
		p.err = fmt.Errorf("write progress: %w", err)
	}
}

// line renders e; ok is false for events that plain output leaves out.
func (p *plainReporter) line(e events.Event) (string, bool) {
	sym, st := p.sym, p.st
	dur := func() string { return "  " + st.Faint.Render(text.Duration(e.Duration)) }
	switch e.Kind {
	case events.StepStarted:
		return st.Faint.Render(sym.Started) + " " + e.Step + p.ellipsis(), true
	case events.StepDone:
		delete(p.shown, e.Step)
		return st.Done.Render(sym.Done) + " " + e.Step + dur(), true
	case events.StepSkipped:
		return st.Skipped.Render(sym.Skipped+" "+e.Step) + withNote("skipped", e.Message), true
	case events.StepFailed:
		delete(p.shown, e.Step)
		return st.Failed.Render(sym.Failed) + " " + e.Step + dur() + ": " + indent(e.Error), true
	case events.Progress:
		return p.progress(e)
	case events.Log:
		if e.Source == "" {
			return e.Message, true
		}
		return st.Source.Render(e.Source) + " " + st.Faint.Render(sym.Pipe) + " " + e.Message, true
	case events.Info:
		return st.Faint.Render(sym.Info) + " " + indent(e.Message), true
	case events.Warning:
		return st.Warning.Render(sym.Warning + " " + indent(e.Message)), true
	case events.Request:
		status := st.Status(e.Status).Render(fmt.Sprint(e.Status))
		line := fmt.Sprintf("%s %s %s %s", e.Method, e.Path, status, st.Faint.Render(text.Duration(e.Duration)))
		if e.Route != "" {
			line += " " + st.Faint.Render(sym.Arrow+" "+e.Route)
		}
		return line + errSuffix(e), true
	case events.ContainerState:
		mark := st.Faint.Render(sym.Container)
		if e.State == "crashed" {
			mark = st.Failed.Render(sym.Container)
		}
		return mark + " " + text.Container(e) + " " + e.State + withNote("", e.Message) + errSuffix(e), true
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
		return st.Done.Render(sym.Ready) + " " + msg, true
	case events.Reloaded:
		return st.Done.Render(sym.Reloaded) + " reloaded" + withNote("", e.Message) + dur(), true
	}
	return st.Faint.Render(sym.Info) + " " + string(e.Kind) + withNote("", e.Message) + errSuffix(e), true
}

// progress prints a transfer at 25%, 50%, 75% and 100% only: a line per
// chunk would drown the log. Transfers of unknown size print nothing.
func (p *plainReporter) progress(e events.Event) (string, bool) {
	if e.Total <= 0 {
		return "", false
	}
	quarter := text.Percent(e.Bytes, e.Total) / 25
	if quarter == 0 || quarter <= p.shown[e.Step] {
		return "", false
	}
	p.shown[e.Step] = quarter
	return "  " + e.Step + "  " + p.st.Faint.Render(text.Progress(e.Bytes, e.Total)), true
}

func (p *plainReporter) ellipsis() string {
	if p.sym.Done == text.ASCII().Done {
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
