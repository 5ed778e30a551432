package steps

import (
	"bytes"
	"io"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/valet-dev/valet/pkg/events"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// update runs msgs through Update the way bubbletea would, returning the model.
func update(t *testing.T, m Model, msgs ...tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, msg := range msgs {
		var next tea.Model
		next, cmd = m.Update(msg)
		m = next.(Model)
	}
	return m, cmd
}

func TestUpdateSteps(t *testing.T) {
	m, _ := update(t, New(Options{}), EventsMsg{
		{Time: t0, Kind: events.StepStarted, Step: "bundle worker"},
		{Kind: events.StepStarted, Step: "build image"},
		{Kind: events.Progress, Step: "build image", Bytes: 50, Total: 100},
		{Kind: events.StepDone, Step: "bundle worker", Duration: 83 * time.Millisecond},
		{Kind: events.StepFailed, Step: "build image", Error: "no Dockerfile", Duration: time.Second},
		{Kind: events.StepSkipped, Step: "push", Message: "no registry"},
	})
	if len(m.steps) != 3 {
		t.Fatalf("steps = %+v, want 3", m.steps)
	}
	want := []step{
		{name: "bundle worker", state: done, dur: 83 * time.Millisecond},
		{name: "build image", state: failed, dur: time.Second, note: "no Dockerfile", bytes: 50, total: 100},
		{name: "push", state: skipped, note: "no registry"},
	}
	for i, s := range want {
		if m.steps[i] != s {
			t.Errorf("step %d = %+v, want %+v", i, m.steps[i], s)
		}
	}
	if !m.first.Equal(t0) {
		t.Errorf("first = %v, want the first event's time %v", m.first, t0)
	}
}

func TestUpdateStepStartsOver(t *testing.T) {
	m, _ := update(t, New(Options{}),
		events.Event{Kind: events.StepFailed, Step: "bundle worker", Error: "syntax error"},
		events.Event{Kind: events.StepStarted, Step: "bundle worker"},
	)
	if got := m.steps[0]; got.state != running || got.note != "" || len(m.steps) != 1 {
		t.Errorf("a rerun step = %+v (of %d), want one running step with no error", got, len(m.steps))
	}
}

func TestUpdateLogsAreCapped(t *testing.T) {
	m := New(Options{Logs: 2})
	var batch EventsMsg
	for i := range 20 {
		batch = append(batch, events.Event{Kind: events.Log, Message: string(rune('a' + i))})
	}
	m, _ = update(t, m, batch)
	if len(m.logs) != 8 || m.logs[7] != "t" {
		t.Errorf("logs = %q, want the last 8 ending in t", m.logs)
	}
	if got := m.viewLogs(); len(got) != 2 {
		t.Errorf("viewLogs = %q, want 2 lines", got)
	}
	m, _ = update(t, m, tea.KeyPressMsg{Code: 'l', Text: "l"})
	if got := m.viewLogs(); len(got) != 8 {
		t.Errorf("viewLogs after l = %d lines, want 8", len(got))
	}
}

func TestUpdateServing(t *testing.T) {
	m, _ := update(t, New(Options{}), EventsMsg{
		{Kind: events.Ready, URL: "http://127.0.0.1:8787"},
		{Kind: events.Request, Method: "GET", Path: "/", Status: 200},
		{Kind: events.Request, Method: "GET", Path: "/api/x", Status: 502},
		{Kind: events.Reloaded, Duration: 40 * time.Millisecond},
		{Kind: events.ContainerState, Class: "Container", ObjectID: "abc", State: "starting"},
		{Kind: events.ContainerState, Class: "Container", ObjectID: "abc", State: "running"},
		{Kind: events.Warning, Message: "unsupported key"},
	})
	if m.url != "http://127.0.0.1:8787" || m.requests != 2 || m.reloads != 1 {
		t.Errorf("url, requests, reloads = %q, %d, %d", m.url, m.requests, m.reloads)
	}
	if len(m.containers) != 1 || m.containers[0].state != "running" {
		t.Errorf("containers = %+v, want Container/abc running", m.containers)
	}
	if len(m.warnings) != 1 {
		t.Errorf("warnings = %q", m.warnings)
	}
}

func TestUpdateQuit(t *testing.T) {
	for _, k := range []tea.KeyPressMsg{{Code: 'q', Text: "q"}, {Code: 'c', Mod: tea.ModCtrl}} {
		m, cmd := update(t, New(Options{}), k)
		if !m.Interrupted() {
			t.Errorf("%s: not interrupted", k)
		}
		if cmd == nil || cmd() != tea.Quit() {
			t.Errorf("%s: command is not tea.Quit", k)
		}
	}
}

func TestUpdateStop(t *testing.T) {
	m, cmd := update(t, New(Options{}), StopMsg{At: t0})
	if !m.stopped || m.Interrupted() {
		t.Errorf("stopped, interrupted = %v, %v; want true, false", m.stopped, m.Interrupted())
	}
	if cmd == nil || cmd() != tea.Quit() {
		t.Error("StopMsg does not quit")
	}
	// The spinner stops with the work: no more ticks are scheduled.
	if _, cmd := update(t, m, m.spinner.Tick()); cmd != nil {
		t.Error("spinner still ticks after stop")
	}
}

func TestUpdateHelpToggle(t *testing.T) {
	m, _ := update(t, New(Options{}), tea.KeyPressMsg{Code: '?', Text: "?"})
	if !m.help.ShowAll {
		t.Error("? did not expand the help")
	}
}

func TestUpdateWindowSize(t *testing.T) {
	m, _ := update(t, New(Options{}), tea.WindowSizeMsg{Width: 40, Height: 10})
	if m.width != 40 || m.help.Width() != 40 {
		t.Errorf("width = %d, help width = %d; want 40", m.width, m.help.Width())
	}
}

// TestProgram runs the model in a real bubbletea program (teatest): events
// in, frames out, and StopMsg ends the program with the summary on screen.
func TestProgram(t *testing.T) {
	tm := teatest.NewTestModel(t, New(Options{}), teatest.WithInitialTermSize(60, 20))
	tm.Send(EventsMsg{
		{Time: t0, Kind: events.StepStarted, Step: "bundle worker"},
		{Kind: events.StepDone, Step: "bundle worker", Duration: 83 * time.Millisecond},
	})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("bundle worker")) && bytes.Contains(b, []byte("83ms"))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))

	tm.Send(StopMsg{At: t0.Add(time.Second)})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !final.stopped || final.Interrupted() {
		t.Errorf("final model stopped, interrupted = %v, %v; want true, false", final.stopped, final.Interrupted())
	}
	out, err := io.ReadAll(tm.FinalOutput(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("done in 1.0s")) {
		t.Errorf("final frame has no summary:\n%s", out)
	}
}

// TestProgramQuitKey: q ends the program and marks it interrupted.
func TestProgramQuitKey(t *testing.T) {
	tm := teatest.NewTestModel(t, New(Options{}), teatest.WithInitialTermSize(60, 20))
	tm.Send(events.Event{Kind: events.StepStarted, Step: "serve"})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("serve")) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !final.Interrupted() {
		t.Error("q did not interrupt")
	}
}
