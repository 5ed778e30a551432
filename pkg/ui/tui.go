package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui/dashboard"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// tuiReporter is the step dashboard of build, deploy and friends, run by a
// Program.
type tuiReporter struct {
	*Program
}

func newTUIReporter(io *iostreams.IOStreams) *tuiReporter {
	renderer := text.NewRenderer(io.ErrOut, io.ColorEnabled())
	model := dashboard.New(dashboard.Options{Renderer: renderer})
	return &tuiReporter{NewProgram(io, model, ProgramOptions{
		Events: func(batch []events.Event) tea.Msg { return dashboard.EventsMsg(batch) },
		Stop:   func(at time.Time) tea.Msg { return dashboard.StopMsg{At: at} },
		Exited: func(final tea.Model) bool {
			m, ok := final.(dashboard.Model)
			return ok && m.Interrupted()
		},
	})}
}
