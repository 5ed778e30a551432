package dev

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/events"
)

var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

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

func keyMsg(s string) tea.KeyPressMsg {
	if s == "ctrl+c" {
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestContainerStates(t *testing.T) {
	m, _ := update(t, New(Options{}), EventsMsg{
		{Time: t0, Kind: events.ContainerState, Class: "Container", ObjectID: "a", State: "starting"},
		{Time: t0.Add(1200 * time.Millisecond), Kind: events.ContainerState, Class: "Container", ObjectID: "a", State: "running"},
		{Time: t0, Kind: events.ContainerState, Class: "Container", ObjectID: "b", State: "starting"},
		{Time: t0, Kind: events.ContainerState, Class: "Container", ObjectID: "b", State: "running", Duration: 800 * time.Millisecond},
		{Time: t0, Kind: events.ContainerState, Class: "Container", ObjectID: "b", State: "sleeping"},
	})
	c := m.classes["Container"]
	if c == nil || len(c.order) != 2 {
		t.Fatalf("classes = %+v", m.classes)
	}
	if c.instances["a"].state != "running" || c.instances["b"].state != "sleeping" {
		t.Errorf("states a=%s b=%s", c.instances["a"].state, c.instances["b"].state)
	}
	if c.lastCold != 800*time.Millisecond {
		t.Errorf("last cold start %v, want the event's 800ms", c.lastCold)
	}
	if got := m.viewClass(c); got != "1 running · 1 sleeping  cold start 800ms" {
		t.Errorf("viewClass = %q", got)
	}
}

func TestBuildStatus(t *testing.T) {
	m, _ := update(t, New(Options{}), EventsMsg{
		{Kind: events.StepStarted, Step: "frontend"},
		{Kind: events.StepDone, Step: "frontend", Duration: 5 * time.Millisecond},
		{Kind: events.StepFailed, Step: "worker", Error: "worker/index.ts:3:1: error: x"},
	})
	if len(m.builds) != 2 || m.builds[0].state != "ok" || m.builds[1].state != "failed" {
		t.Fatalf("builds = %+v", m.builds)
	}
	m, _ = update(t, m, events.Event{Kind: events.StepStarted, Step: "worker"}, events.Event{Kind: events.StepDone, Step: "worker"})
	if m.builds[1].state != "ok" || m.builds[1].err != "" {
		t.Errorf("a fixed step still shows its error: %+v", m.builds[1])
	}
}

func TestKeys(t *testing.T) {
	var opened string
	rebuilt, quit := 0, 0
	opts := Options{
		Open:    func(u string) error { opened = u; return nil },
		Rebuild: func() { rebuilt++ },
		Quit:    func() { quit++ },
	}
	m, _ := update(t, New(opts), EventsMsg{
		{Kind: events.Ready, URL: "http://127.0.0.1:8787"},
		{Kind: events.Request, Method: "GET", Path: "/"},
		{Kind: events.Log, Message: "x"},
	})
	run := func(cmd tea.Cmd) tea.Msg {
		if cmd == nil {
			t.Fatal("no command")
		}
		return cmd()
	}
	_, cmd := update(t, m, keyMsg("b"))
	run(cmd)
	if opened != "http://127.0.0.1:8787" {
		t.Errorf("b opened %q", opened)
	}
	_, cmd = update(t, m, keyMsg("r"))
	run(cmd)
	if rebuilt != 1 {
		t.Errorf("r: %d rebuilds", rebuilt)
	}
	m, _ = update(t, m, keyMsg("c"))
	if len(m.requests) != 0 || len(m.logs) != 0 || m.total != 1 {
		t.Errorf("c left %d requests, %d logs (total %d)", len(m.requests), len(m.logs), m.total)
	}
	m, _ = update(t, m, keyMsg("l"))
	if !m.showLogs {
		t.Error("l did not open the log pane")
	}
	// x asks for cleanup and keeps the dashboard up; a second x leaves.
	m, cmd = update(t, m, keyMsg("x"))
	if run(cmd); quit != 1 || !m.Stopping() {
		t.Errorf("x: quit called %d times, stopping %v", quit, m.Stopping())
	}
	_, cmd = update(t, m, keyMsg("ctrl+c"))
	if cmd == nil || cmd() != tea.Quit() {
		t.Error("a second quit key does not leave")
	}
	for _, k := range []string{"q", "ctrl+c"} {
		if m, _ := update(t, New(opts), keyMsg(k)); !m.Stopping() {
			t.Errorf("%s does not stop", k)
		}
	}
}

func TestOpenError(t *testing.T) {
	m, _ := update(t, New(Options{Open: func(string) error { return errors.New("no browser") }}),
		events.Event{Kind: events.Ready, URL: "http://x"})
	_, cmd := update(t, m, keyMsg("b"))
	m, _ = update(t, m, cmd())
	if m.err != "no browser" {
		t.Errorf("err = %q", m.err)
	}
}

func TestKeepIsBounded(t *testing.T) {
	m := New(Options{Keep: 3})
	for range 10 {
		m, _ = update(t, m, events.Event{Kind: events.Request})
	}
	if len(m.requests) != 3 || m.total != 10 {
		t.Errorf("kept %d of %d", len(m.requests), m.total)
	}
}

// The bindings' state is read once the app is ready and after requests,
// one read at a time, outside Update, and shown on their rows.
func TestBindingState(t *testing.T) {
	calls := 0
	keys := 0
	m := New(Options{
		Bindings: []Binding{{Name: "KV", Kind: "kv namespace"}, {Name: "DB", Kind: "d1 database"}},
		State: func() map[string]string {
			calls++
			return map[string]string{"KV": keysOf(keys), "DB": "1 table, 2 rows"}
		},
	})
	m, cmd := update(t, m, events.Event{Kind: events.Ready, URL: "http://127.0.0.1:8787"})
	if cmd == nil {
		t.Fatal("no state read once ready")
	}
	// A request while the read is under way does not start a second one.
	if _, again := update(t, m, EventsMsg{{Kind: events.Request, Method: "GET", Path: "/", Status: 200}}); again != nil {
		t.Error("a second read while one is under way")
	}
	keys = 3
	m, _ = update(t, m, cmd())
	if calls != 1 {
		t.Errorf("%d reads", calls)
	}
	lines := m.viewBindings()
	if len(lines) != 3 || !containsAll(lines[1], "KV", "kv namespace", "3 keys") || !containsAll(lines[2], "DB", "1 table, 2 rows") {
		t.Errorf("rows %q", lines)
	}
	if _, cmd := update(t, m, EventsMsg{{Kind: events.Request, Method: "GET", Path: "/", Status: 200}}); cmd == nil {
		t.Error("no state read after a request")
	}
}

func keysOf(n int) string { return strconv.Itoa(n) + " keys" }

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// With Refresh, the state is read again after a while with no request (a
// queue drains, a cron runs), one refresh pending at a time.
func TestBindingStateRefresh(t *testing.T) {
	calls := 0
	m := New(Options{
		Bindings: []Binding{{Name: "JOBS", Kind: "queue"}},
		State:    func() map[string]string { calls++; return map[string]string{"JOBS": strconv.Itoa(calls) + " queued"} },
		Refresh:  time.Millisecond,
	})
	m, cmd := update(t, m, events.Event{Kind: events.Ready, URL: "http://127.0.0.1:8787"})
	m, tick := update(t, m, cmd())
	if tick == nil {
		t.Fatal("no refresh scheduled after a read")
	}
	// A read that ends while a refresh is pending schedules no other.
	if _, again := update(t, m, StateMsg{"JOBS": "x"}); again != nil {
		t.Error("a second refresh pending")
	}
	m, read := update(t, m, tick())
	if read == nil {
		t.Fatal("the refresh read nothing")
	}
	m, _ = update(t, m, read())
	if calls != 2 || !containsAll(m.viewBindings()[1], "JOBS", "2 queued") {
		t.Errorf("%d reads, rows %q", calls, m.viewBindings())
	}
}
