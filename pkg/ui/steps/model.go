// Package steps is the bubbletea view of the step pipelines (build,
// deploy, init): steps with spinners, progress bars for transfers,
// container states, the last log lines, and a summary when the work ends.
// pkg/ui feeds it events.
package steps

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// EventsMsg carries events in the order they were emitted. The adapter
// batches them so a burst of requests costs one render, not one each.
type EventsMsg []events.Event

// StopMsg ends the view: the work is over at At. The model shows its
// summary and quits.
type StopMsg struct{ At time.Time }

// Options configure a Model.
type Options struct {
	// Color styles the view; without it the view is plain text.
	Color bool
	// Logs is how many log lines the view keeps (default 5; l shows 4×).
	Logs int
}

type stepState int

const (
	running stepState = iota
	done
	failed
	skipped
)

type step struct {
	name         string
	state        stepState
	dur          time.Duration
	note         string // the error of a failed step, the reason of a skip
	bytes, total int64
}

type container struct {
	name, state, note string
}

// Model is the dashboard's state. Update is a pure function of it and a
// message; View renders it.
type Model struct {
	st      text.Styles
	sym     text.Symbols
	keys    keyMap
	help    help.Model
	spinner spinner.Model
	logCap  int

	width, height int

	steps      []step
	stepIndex  map[string]int
	containers []container
	contIndex  map[string]int
	logs       []string // newest last, at most 4×logCap
	warnings   []string // newest last, at most logCap
	url        string
	requests   int
	reloads    int

	first       time.Time // time of the first event
	stoppedAt   time.Time
	stopped     bool
	interrupted bool
	moreLogs    bool
}

// New returns an empty dashboard.
func New(opts Options) Model {
	if opts.Logs <= 0 {
		opts.Logs = 5
	}
	st := text.NewStyles(opts.Color)
	h := help.New()
	h.Styles = st.Help()
	return Model{
		st:        st,
		sym:       text.Unicode(),
		keys:      defaultKeys(),
		help:      h,
		spinner:   spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Accent.Style)),
		logCap:    opts.Logs,
		stepIndex: map[string]int{},
		contIndex: map[string]int{},
	}
}

// Init starts the spinner.
func (m Model) Init() tea.Cmd { return m.spinner.Tick }

// Interrupted reports whether the user quit (q or Ctrl-C) before the work ended.
func (m Model) Interrupted() bool { return m.interrupted }

// Update applies msg.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Quit):
			m.interrupted = true
			return m, tea.Quit
		case key.Matches(msg, m.keys.Logs):
			m.moreLogs = !m.moreLogs
		case key.Matches(msg, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
		}
	case spinner.TickMsg:
		if m.stopped {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case EventsMsg:
		for _, e := range msg {
			m.apply(e)
		}
	case events.Event:
		m.apply(msg)
	case StopMsg:
		m.stopped, m.stoppedAt = true, msg.At
		return m, tea.Quit
	}
	return m, nil
}

func (m *Model) apply(e events.Event) {
	if m.first.IsZero() && !e.Time.IsZero() {
		m.first = e.Time
	}
	switch e.Kind {
	case events.StepStarted:
		s := m.step(e.Step)
		// A step that runs again (a rebuild in dev) starts over.
		*s = step{name: e.Step}
	case events.StepDone:
		s := m.step(e.Step)
		s.state, s.dur = done, e.Duration
	case events.StepFailed:
		s := m.step(e.Step)
		s.state, s.dur, s.note = failed, e.Duration, e.Error
	case events.StepSkipped:
		s := m.step(e.Step)
		s.state, s.note = skipped, e.Message
	case events.Progress:
		s := m.step(e.Step)
		s.bytes, s.total = e.Bytes, e.Total
	case events.Log:
		line := e.Message
		if e.Source != "" {
			line = m.st.Source.Render(e.Source) + " " + m.st.Faint.Render(m.sym.Pipe) + " " + e.Message
		}
		m.log(line)
	case events.Request:
		m.requests++
		m.log(text.Request(e, m.sym))
	case events.Info:
		m.log(m.st.Faint.Render(m.sym.Info) + " " + e.Message)
	case events.Warning:
		m.warnings = appendCapped(m.warnings, e.Message, m.logCap)
	case events.ContainerState:
		m.container(e)
	case events.Ready:
		m.url = e.URL
	case events.Reloaded:
		m.reloads++
		m.log(m.st.Done.Render(m.sym.Reloaded) + " reloaded in " + text.Duration(e.Duration))
	}
}

// step returns the step named name, adding it when it is new.
func (m *Model) step(name string) *step {
	i, ok := m.stepIndex[name]
	if !ok {
		i = len(m.steps)
		m.stepIndex[name] = i
		m.steps = append(m.steps, step{name: name})
	}
	return &m.steps[i]
}

func (m *Model) container(e events.Event) {
	name := text.Container(e)
	i, ok := m.contIndex[name]
	if !ok {
		i = len(m.containers)
		m.contIndex[name] = i
		m.containers = append(m.containers, container{name: name})
	}
	note := e.Message
	if e.Error != "" {
		note = e.Error
	}
	m.containers[i].state, m.containers[i].note = e.State, note
}

func (m *Model) log(line string) { m.logs = appendCapped(m.logs, line, 4*m.logCap) }

func appendCapped(s []string, v string, n int) []string {
	s = append(s, v)
	if len(s) > n {
		s = append(s[:0:0], s[len(s)-n:]...)
	}
	return s
}
