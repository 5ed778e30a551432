package dev

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/valet-dev/valet/pkg/events"
)

// The golden files in testdata/ are the view with no color (the ASCII
// profile); go test ./pkg/ui/dev -update rewrites them.

func devBindings() []Binding {
	return []Binding{
		{Name: "CONTAINER", Kind: "durable object", Class: "Container", Container: "./backend/Dockerfile"},
		{Name: "ASSETS", Kind: "assets"},
		{Name: "API_VERSION", Kind: "var"},
		{Name: "TOKEN", Kind: "secret"},
	}
}

func devEvents() EventsMsg {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	return EventsMsg{
		{Time: at(0), Kind: events.StepDone, Step: "frontend", Duration: 41 * time.Millisecond},
		{Time: at(1), Kind: events.StepDone, Step: "worker", Duration: 9 * time.Millisecond},
		{Time: at(2), Kind: events.Ready, URL: "http://127.0.0.1:8787"},
		{Time: at(3), Kind: events.Request, Method: "GET", Path: "/", Status: 200, Duration: 300 * time.Microsecond, Route: "asset"},
		{Time: at(4), Kind: events.ContainerState, Class: "Container", ObjectID: "8f14e45fceea167a", State: "starting"},
		{Time: at(1204), Kind: events.ContainerState, Class: "Container", ObjectID: "8f14e45fceea167a", State: "running"},
		{Time: at(1210), Kind: events.Log, Source: "container:Container/8f14e45fceea", Message: "listening on :3210"},
		{Time: at(1220), Kind: events.Request, Method: "GET", Path: "/api/health", Status: 200, Duration: 1216 * time.Millisecond, Route: "do:Container"},
		{Time: at(1300), Kind: events.Request, Method: "POST", Path: "/api/counter/increment", Status: 500, Duration: 2 * time.Millisecond, Route: "worker"},
		{Time: at(2000), Kind: events.Reloaded, Duration: 38 * time.Millisecond, Message: "frontend"},
	}
}

func TestViewDev(t *testing.T) {
	m, _ := update(t, New(Options{Bindings: devBindings()}), tea.WindowSizeMsg{Width: 100, Height: 24}, devEvents())
	golden.RequireEqual(t, []byte(m.View().Content))
}

func TestViewBuildError(t *testing.T) {
	m, _ := update(t, New(Options{Bindings: devBindings()}), tea.WindowSizeMsg{Width: 80, Height: 24}, devEvents(),
		EventsMsg{{Kind: events.StepFailed, Step: "frontend", Error: "build frontend: 1 error\nsrc/App.tsx:3:9: error: Expected \";\" but found \"x\"\n  3 | const a x\n    |         ^"}})
	golden.RequireEqual(t, []byte(m.View().Content))
}

func TestViewLogsAndStopping(t *testing.T) {
	m, _ := update(t, New(Options{Bindings: devBindings(), Quit: func() {}}), tea.WindowSizeMsg{Width: 80, Height: 24}, devEvents(), keyMsg("l"), keyMsg("x"))
	golden.RequireEqual(t, []byte(m.View().Content))
}

// TestViewFits: every size, from tiny to wide, gives lines no wider and no
// more of them than the terminal has.
func TestViewFits(t *testing.T) {
	for _, size := range [][2]int{{20, 5}, {40, 10}, {80, 24}, {200, 60}} {
		m, _ := update(t, New(Options{Bindings: devBindings()}), tea.WindowSizeMsg{Width: size[0], Height: size[1]}, devEvents())
		lines := strings.Split(m.View().Content, "\n")
		if len(lines) > size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if n := len([]rune(l)); n > size[0] {
				t.Errorf("%dx%d: line %q is %d wide", size[0], size[1], l, n)
			}
		}
	}
}

// TestProgram runs the dashboard in a real bubbletea program: events in,
// frames out; x asks for cleanup, and StopMsg closes it.
func TestProgram(t *testing.T) {
	quit := make(chan struct{})
	tm := teatest.NewTestModel(t, New(Options{Bindings: devBindings(), Quit: func() { close(quit) }}), teatest.WithInitialTermSize(100, 30))
	tm.Send(devEvents())
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("http://127.0.0.1:8787")) && bytes.Contains(b, []byte("/api/counter/increment")) &&
			bytes.Contains(b, []byte("1 running"))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Send(tea.WindowSizeMsg{Width: 50, Height: 12})
	tm.Type("x")
	select {
	case <-quit:
	case <-time.After(5 * time.Second):
		t.Fatal("x did not ask to quit")
	}
	tm.Send(StopMsg{})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !final.Stopping() || final.width != 50 {
		t.Errorf("final: stopping %v, width %d", final.Stopping(), final.width)
	}
	if got := final.Summary(); got != "valet dev stopped (http://127.0.0.1:8787): 3 requests, 1 reload" {
		t.Errorf("summary %q", got)
	}
}

// TestViewWorkerLogs: an uncaught exception takes one row of the log pane
// (its first line and where it was thrown), and the level shows.
func TestViewWorkerLogs(t *testing.T) {
	m, _ := update(t, New(Options{Bindings: devBindings()}), tea.WindowSizeMsg{Width: 100, Height: 24}, devEvents(), EventsMsg{
		{Kind: events.Log, Source: "worker", Level: "warn", Message: "deprecated call"},
		{Kind: events.Log, Source: "worker", Level: "error", Message: "Uncaught TypeError: boom\n    at Object.fetch (src/index.ts:27:11)\n    at async next (src/mw.ts:4:3)"},
	})
	view := m.View().Content
	for _, want := range []string{"worker ! deprecated call", "worker ✗ Uncaught TypeError: boom  at src/index.ts:27:11"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "src/mw.ts") {
		t.Errorf("the log pane shows more than the first frame:\n%s", view)
	}
	if lines := strings.Split(view, "\n"); len(lines) > 24 || !strings.Contains(lines[len(lines)-1], "help") {
		t.Errorf("the view is more than 24 lines or does not end with the help:\n%s", view)
	}
}
