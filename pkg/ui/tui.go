package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui/dashboard"
)

// tuiReporter is the step dashboard of build, deploy and friends, run by a
// Program.
type tuiReporter struct {
	*Program
}

func newTUIReporter(io *iostreams.IOStreams) *tuiReporter {
	model := dashboard.New(dashboard.Options{Color: io.ColorEnabled()})
	return &tuiReporter{NewProgram(io, model, ProgramOptions{
		Events: func(batch []events.Event) tea.Msg { return dashboard.EventsMsg(batch) },
		Stop:   func(at time.Time) tea.Msg { return dashboard.StopMsg{At: at} },
		Exited: func(final tea.Model) bool {
			m, ok := final.(dashboard.Model)
			return ok && m.Interrupted()
		},
	})}
}
