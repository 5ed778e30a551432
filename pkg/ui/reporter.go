package ui

import (
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// Reporter renders the events of one command. Emit may be called from any
// goroutine, before Start (events then wait for it in TUI mode) and after
// Stop (events are then dropped).
type Reporter interface {
	events.Sink
	// Start begins rendering. The TUI takes the terminal here.
	Start()
	// Stop renders what is left (the TUI's final summary), gives the
	// terminal back and reports the first error the renderer met.
	Stop() error
	// Interrupted is closed when the user asked to stop from the TUI (q or
	// Ctrl-C, which the TUI reads as keys, so no SIGINT arrives). Commands
	// select on it beside their signal context. Plain and JSON never close it.
	Interrupted() <-chan struct{}
}

// NewReporter returns the reporter for mode, writing to io: the TUI and
// plain lines to ErrOut, JSON lines to Out (data to stdout, status to stderr).
func NewReporter(io *iostreams.IOStreams, mode Mode) Reporter {
	switch mode {
	case JSON:
		return newJSONReporter(io.Out)
	case TUI:
		return newTUIReporter(io)
	}
	return newPlainReporter(io.ErrOut, plainFormat(io.ColorEnabled(), false))
}

// NewLogReporter renders a log stream that is the command's data (valet
// logs): on Out, JSON lines with asJSON, else one plain line per event
// stamped with its time, colored when Out is a terminal that may color.
func NewLogReporter(io *iostreams.IOStreams, asJSON bool) Reporter {
	if asJSON {
		return newJSONReporter(io.Out)
	}
	return newPlainReporter(io.Out, plainFormat(io.ColorEnabled() && io.IsStdoutTTY(), true))
}
