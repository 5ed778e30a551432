package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui/steps"
)

// tuiReporter is the step dashboard of build, deploy and friends, run by a
// Program.
type tuiReporter struct {
	*Program
}

func newTUIReporter(io *iostreams.IOStreams) *tuiReporter {
	model := steps.New(steps.Options{Color: io.ColorEnabled()})
	return &tuiReporter{NewProgram(io, model, ProgramOptions{
		Events: func(batch []events.Event) tea.Msg { return steps.EventsMsg(batch) },
		Stop:   func(at time.Time) tea.Msg { return steps.StopMsg{At: at} },
		Exited: func(final tea.Model) bool {
			m, ok := final.(steps.Model)
			return ok && m.Interrupted()
		},
	})}
}
