package dev

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui"
)

// Reporter runs the dashboard on the terminal (full screen) and feeds it
// events through a ui.Program. It satisfies pkg/ui's Reporter, so
// `valet dev` picks it in TUI mode.
type Reporter struct {
	*ui.Program
}

// NewReporter returns a dashboard on ios.ErrOut (full screen) reading keys
// from io.In. opts.Quit is set by the reporter: a quit key closes
// Interrupted.
func NewReporter(ios *iostreams.IOStreams, opts Options) *Reporter {
	r := &Reporter{}
	opts.Quit = func() { r.Quit() }
	opts.Color = ios.ColorEnabled()
	out := ios.ErrOut
	r.Program = ui.NewProgram(ios, New(opts), ui.ProgramOptions{
		Events: func(batch []events.Event) tea.Msg { return EventsMsg(batch) },
		Stop:   func(time.Time) tea.Msg { return StopMsg{} },
		Exited: func(final tea.Model) bool {
			m, ok := final.(Model)
			if !ok {
				return false
			}
			// The full screen is gone: leave one line in the scrollback.
			fmt.Fprintln(out, m.Summary())
			// Leaving by a second x (or the program ending on its own) is a quit too.
			return m.Stopping() || m.stopped
		},
	})
	return r
}
