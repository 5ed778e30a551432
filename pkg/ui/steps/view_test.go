package steps

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/valet-dev/valet/pkg/events"
)

// The golden files in testdata/ are the view at 60×20 with no color;
// go test ./pkg/ui/steps -update rewrites them.

func deployEvents() EventsMsg {
	return EventsMsg{
		{Time: t0, Kind: events.StepStarted, Step: "load config"},
		{Kind: events.StepDone, Step: "load config", Duration: 3 * time.Millisecond},
		{Kind: events.StepStarted, Step: "bundle worker"},
		{Kind: events.StepDone, Step: "bundle worker", Duration: 83 * time.Millisecond},
		{Kind: events.StepStarted, Step: "build image Container"},
		{Kind: events.Log, Source: "build", Message: "Step 1/3 : FROM scratch"},
		{Kind: events.StepSkipped, Step: "frontend", Message: "no frontend in config"},
		{Kind: events.StepStarted, Step: "upload"},
		{Kind: events.Progress, Step: "upload", Bytes: 4 << 20, Total: 10 << 20},
		{Kind: events.Warning, Message: `config: "routes" is not supported yet; ignored`},
	}
}

func TestViewRunning(t *testing.T) {
	m, _ := update(t, New(Options{}), tea.WindowSizeMsg{Width: 60, Height: 20}, deployEvents())
	golden.RequireEqual(t, []byte(m.View().Content))
}

func TestViewFailed(t *testing.T) {
	m, _ := update(t, New(Options{}), tea.WindowSizeMsg{Width: 60, Height: 20}, deployEvents(),
		EventsMsg{{Kind: events.StepFailed, Step: "build image Container", Duration: 1200 * time.Millisecond,
			Error: "build image Container: Dockerfile:2: COPY failed: file not found\nhint: check the build context"}},
		StopMsg{At: t0.Add(2 * time.Second)})
	golden.RequireEqual(t, []byte(m.View().Content))
}

func TestViewDev(t *testing.T) {
	m, _ := update(t, New(Options{Logs: 3}), tea.WindowSizeMsg{Width: 60, Height: 20}, EventsMsg{
		{Time: t0, Kind: events.StepStarted, Step: "bundle worker"},
		{Kind: events.StepDone, Step: "bundle worker", Duration: 41 * time.Millisecond},
		{Kind: events.Ready, URL: "http://127.0.0.1:8787"},
		{Kind: events.ContainerState, Class: "Container", ObjectID: "8f14e45fceea167a5a36dedd4bea2543", State: "running"},
		{Kind: events.Request, Method: "GET", Path: "/", Status: 200, Duration: time.Millisecond, Route: "asset"},
		{Kind: events.Request, Method: "GET", Path: "/api/list", Status: 200, Duration: 12 * time.Millisecond, Route: "do:Container"},
		{Kind: events.Log, Source: "container:Container/8f14e45fceea", Message: "listening on :3210"},
		{Kind: events.Reloaded, Duration: 38 * time.Millisecond},
		{Kind: events.Request, Method: "POST", Path: "/api/a/very/long/path/that/will/not/fit/in/sixty/columns", Status: 404, Duration: 2 * time.Millisecond, Route: "worker"},
	}, StopMsg{At: t0.Add(90 * time.Second)})
	golden.RequireEqual(t, []byte(m.View().Content))
}

func TestViewFitsWidth(t *testing.T) {
	m, _ := update(t, New(Options{}), tea.WindowSizeMsg{Width: 30, Height: 20}, deployEvents())
	for _, l := range strings.Split(m.View().Content, "\n") {
		if n := len([]rune(l)); n > 30 {
			t.Errorf("line %q is %d wide, want at most 30", l, n)
		}
	}
}
