package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/events"
)

// countModel counts the events and batches it got and quits on stopMsg.
type countModel struct {
	events, batches int
	stoppedAt       time.Time
}

type batchMsg []events.Event
type stopMsg time.Time

func (m countModel) Init() tea.Cmd { return nil }

func (m countModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case batchMsg:
		m.events += len(msg)
		m.batches++
	case stopMsg:
		m.stoppedAt = time.Time(msg)
		return m, tea.Quit
	}
	return m, nil
}

func (m countModel) View() tea.View { return tea.NewView(fmt.Sprintf("events=%d\n", m.events)) }

func TestProgramBatchesAndStops(t *testing.T) {
	ios, errOut := tuiStreams()
	var final countModel
	p := NewProgram(ios, countModel{}, ProgramOptions{
		Events: func(b []events.Event) tea.Msg { return batchMsg(b) },
		Stop:   func(at time.Time) tea.Msg { return stopMsg(at) },
		Exited: func(m tea.Model) bool { final = m.(countModel); return true },
	})
	p.Emit(events.Event{Kind: events.Info, Message: "before start"})
	p.Start()
	for range 1000 {
		p.Emit(events.Event{Kind: events.Info, Message: "x"})
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if final.events != 1001 || final.stoppedAt.IsZero() {
		t.Errorf("final model %+v, want 1001 events and a stop time", final)
	}
	if final.batches >= 1001 {
		t.Errorf("%d batches for 1001 events: not batched", final.batches)
	}
	if !strings.Contains(errOut.String(), "events=") {
		t.Errorf("nothing drawn: %q", errOut.String())
	}
	select {
	case <-p.Interrupted():
	default:
		t.Error("Exited reported a quit but Interrupted is open")
	}
	p.Quit() // a second close must not panic
	p.Emit(events.Event{Kind: events.Info, Message: "after stop"})
}

func TestProgramStopBeforeStart(t *testing.T) {
	ios, _ := tuiStreams()
	p := NewProgram(ios, countModel{}, ProgramOptions{
		Events: func(b []events.Event) tea.Msg { return batchMsg(b) },
		Stop:   func(at time.Time) tea.Msg { return stopMsg(at) },
	})
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Interrupted():
		t.Error("Interrupted closed without a quit")
	default:
	}
}
