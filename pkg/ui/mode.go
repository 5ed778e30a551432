// Package ui turns the event stream of long work (build, dev, deploy) into
// text: a bubbletea dashboard on a terminal, one plain line per event in CI
// or with --no-tui, and JSON lines with --json. It is the only place where
// events become text; business code emits events and never prints.
package ui

import (
	"fmt"

	"github.com/valet-dev/valet/pkg/iostreams"
)

// Mode is how a Reporter renders events.
type Mode int

const (
	// TUI is a live bubbletea view on stderr, for a person at a terminal.
	TUI Mode = iota
	// Plain is one line per event on stderr: logs, CI, --no-tui.
	Plain
	// JSON is one JSON object per event on stdout, for programs (--json).
	JSON
)

// String names the mode as flags and messages spell it.
func (m Mode) String() string {
	switch m {
	case TUI:
		return "tui"
	case Plain:
		return "plain"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ModeFor picks the mode once, from the flags and the streams: JSON when
// --json; Plain when --no-tui, when stderr is not a terminal, or under CI;
// the TUI otherwise.
func ModeFor(io *iostreams.IOStreams, jsonFlag, noTUIFlag bool) Mode {
	switch {
	case jsonFlag:
		return JSON
	case noTUIFlag || !io.CanTUI():
		return Plain
	}
	return TUI
}
