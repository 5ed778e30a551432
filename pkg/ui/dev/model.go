// Package dev is the terminal dashboard of `valet dev`: the URL, the
// bindings with their Durable Object classes, containers and instance
// states, the live request log, the build status and a log pane. It renders
// the event stream of pkg/events; on no TTY (or --no-tui) pkg/ui's plain
// lines show the same events.
package dev

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// EventsMsg carries events in the order they were emitted, batched so that
// a burst of requests costs one frame.
type EventsMsg []events.Event

// StopMsg ends the dashboard: the dev server has stopped and cleaned up.
type StopMsg struct{}

// Options configure a Model.
type Options struct {
	Color    bool // styles the view; without it the view is plain text
	Bindings []Binding
	// Actions behind the keys; nil ones do nothing. They run outside Update.
	Open    func(url string) error // b
	Rebuild func()                 // r
	Quit    func()                 // x, q, Ctrl-C: the command stops the server and cleans up
	// Keep is how many requests and log lines are kept (default 500).
	Keep int
	// State, when set, tells what each storage binding holds ("3 keys"), by
	// binding name. It reads the disk, so it runs outside Update: once the
	// app is ready and again after requests, which are what change it.
	State func() map[string]string
	// Refresh, when set, reads the state that often too: queues drain, crons
	// run and workflows advance with no request to tell.
	Refresh time.Duration
}

// StateMsg carries the bindings' state, by name.
type StateMsg map[string]string

// refreshMsg asks for the state again (Options.Refresh).
type refreshMsg struct{}

// instance is a Durable Object's container as the events last told.
type instance struct {
	state   string
	started time.Time // when it was last seen starting
}

type class struct {
	instances map[string]*instance
	order     []string      // object ids in first-seen order
	lastCold  time.Duration // the last starting -> running time
}

type build struct {
	step  string
	state string // "running", "ok", "failed"
	dur   time.Duration
	err   string
}

// Model is the dashboard's state. Update is a pure function of it and a
// message (the actions run as commands); View renders it.
type Model struct {
	opts   Options
	st     text.Styles
	sym    text.Symbols
	keys   keyMap
	help   help.Model
	width  int
	height int

	url      string
	builds   []build // in first-seen order of their step
	classes  map[string]*class
	requests []events.Event
	logs     []events.Event
	notes    []events.Event // warnings and infos, newest last
	total    int            // requests served, including those cleared or dropped
	reloads  int
	lastLoad events.Event // the last Reloaded

	state        map[string]string // the bindings' state (StateMsg)
	stateLoading bool              // a State call is under way
	refreshing   bool              // a refreshMsg is on its way (Options.Refresh)

	showLogs bool
	stopping bool // quit asked; waiting for cleanup
	stopped  bool
	err      string // the last action's failure (b without a browser)
}

// New returns a dashboard with no events yet.
func New(opts Options) Model {
	if opts.Keep <= 0 {
		opts.Keep = 500
	}
	st := text.NewStyles(opts.Color)
	h := help.New()
	h.Styles = st.Help()
	return Model{opts: opts, st: st, sym: text.Unicode(), keys: defaultKeys(), help: h, classes: map[string]*class{}}
}

// Init does nothing: the dashboard only changes on events and keys.
func (m Model) Init() tea.Cmd { return nil }

// Stopping reports whether the user asked to exit.
func (m Model) Stopping() bool { return m.stopping }

type actionErr struct{ err error }

// Update applies msg.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
	case tea.KeyPressMsg:
		return m.key(msg)
	case EventsMsg:
		changed := false
		for _, e := range msg {
			m.apply(e)
			changed = changed || stateChanges(e)
		}
		if changed {
			return m.loadState()
		}
	case events.Event:
		m.apply(msg)
		if stateChanges(msg) {
			return m.loadState()
		}
	case StateMsg:
		m.state = msg
		m.stateLoading = false
		// One refresh pending at a time, however many reads ended.
		if m.opts.Refresh > 0 && !m.refreshing {
			m.refreshing = true
			return m, tea.Tick(m.opts.Refresh, func(time.Time) tea.Msg { return refreshMsg{} })
		}
	case refreshMsg:
		m.refreshing = false
		return m.loadState()
	case actionErr:
		m.err = msg.err.Error()
	case StopMsg:
		m.stopped = true
		return m, tea.Quit
	}
	return m, nil
}

// stateChanges reports whether e may have changed what the bindings hold.
func stateChanges(e events.Event) bool { return e.Kind == events.Ready || e.Kind == events.Request }

// loadState reads the bindings' state outside Update, one read at a time
// (a read under way will see the changes of the requests meanwhile).
func (m Model) loadState() (tea.Model, tea.Cmd) {
	if m.opts.State == nil || m.stateLoading {
		return m, nil
	}
	m.stateLoading = true
	state := m.opts.State
	return m, func() tea.Msg { return StateMsg(state()) }
}

func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Quit):
		if m.stopping || m.opts.Quit == nil {
			// A second press does not wait for the cleanup any longer.
			m.stopped = true
			return m, tea.Quit
		}
		m.stopping = true
		quit := m.opts.Quit
		return m, func() tea.Msg { quit(); return nil }
	case key.Matches(msg, m.keys.Open):
		if m.opts.Open == nil || m.url == "" {
			return m, nil
		}
		open, url := m.opts.Open, m.url
		return m, func() tea.Msg {
			if err := open(url); err != nil {
				return actionErr{err}
			}
			return nil
		}
	case key.Matches(msg, m.keys.Rebuild):
		if m.opts.Rebuild == nil {
			return m, nil
		}
		rebuild := m.opts.Rebuild
		return m, func() tea.Msg { rebuild(); return nil }
	case key.Matches(msg, m.keys.Clear):
		m.requests, m.logs, m.notes, m.err = nil, nil, nil, ""
	case key.Matches(msg, m.keys.Logs):
		m.showLogs = !m.showLogs
	case key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
	}
	return m, nil
}

func (m *Model) apply(e events.Event) {
	switch e.Kind {
	case events.Ready:
		m.url = e.URL
	case events.StepStarted:
		m.build(e.Step, build{step: e.Step, state: "running"})
	case events.StepDone:
		m.build(e.Step, build{step: e.Step, state: "ok", dur: e.Duration})
	case events.StepSkipped:
		m.build(e.Step, build{step: e.Step, state: "skipped", err: e.Message})
	case events.StepFailed:
		m.build(e.Step, build{step: e.Step, state: "failed", dur: e.Duration, err: e.Error})
	case events.Request:
		m.total++
		m.requests = keep(m.requests, e, m.opts.Keep)
	case events.Log:
		m.logs = keep(m.logs, e, m.opts.Keep)
	case events.Warning, events.Info:
		m.notes = keep(m.notes, e, 20)
	case events.Reloaded:
		m.reloads++
		m.lastLoad = e
	case events.ContainerState:
		m.container(e)
	}
}

func (m *Model) build(step string, b build) {
	for i := range m.builds {
		if m.builds[i].step == step {
			m.builds[i] = b
			return
		}
	}
	m.builds = append(m.builds, b)
}

func (m *Model) container(e events.Event) {
	c := m.classes[e.Class]
	if c == nil {
		c = &class{instances: map[string]*instance{}}
		m.classes[e.Class] = c
	}
	in := c.instances[e.ObjectID]
	if in == nil {
		in = &instance{}
		c.instances[e.ObjectID] = in
		c.order = append(c.order, e.ObjectID)
	}
	switch e.State {
	case "starting":
		in.started = e.Time
	case "running":
		switch {
		case e.Duration > 0:
			c.lastCold = e.Duration
		case in.state == "starting" && !in.started.IsZero() && !e.Time.IsZero():
			c.lastCold = e.Time.Sub(in.started)
		}
	}
	in.state = e.State
}

// keep appends e, dropping the oldest beyond n. The copy keeps a
// Model value's slices independent of the previous value's.
func keep(s []events.Event, e events.Event, n int) []events.Event {
	if len(s) >= n {
		s = append(s[:0:0], s[len(s)-n+1:]...)
	}
	return append(s, e)
}
