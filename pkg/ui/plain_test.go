package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

func TestPlainLines(t *testing.T) {
	tests := []struct {
		name       string
		e          events.Event
		ascii, utf string
	}{
		{"started", events.Event{Kind: events.StepStarted, Step: "bundle worker"},
			".. bundle worker...", "• bundle worker…"},
		{"done", events.Event{Kind: events.StepDone, Step: "bundle worker", Duration: 83 * time.Millisecond},
			"ok bundle worker  83ms", "✓ bundle worker  83ms"},
		{"skipped", events.Event{Kind: events.StepSkipped, Step: "frontend", Message: "none configured"},
			"- frontend  skipped: none configured", "- frontend  skipped: none configured"},
		{"failed", events.Event{Kind: events.StepFailed, Step: "build image", Duration: time.Second + 200*time.Millisecond, Error: "COPY failed\nhint: check the context"},
			"x build image  1.2s: COPY failed\n    hint: check the context", "✗ build image  1.2s: COPY failed\n    hint: check the context"},
		{"log", events.Event{Kind: events.Log, Source: "worker", Message: "hello"},
			"worker | hello", "worker │ hello"},
		{"log without source", events.Event{Kind: events.Log, Message: "hello"}, "hello", "hello"},
		{"log with level", events.Event{Kind: events.Log, Source: "worker", Level: "log", Message: "hello"},
			"worker | hello", "worker │ hello"},
		{"warning log", events.Event{Kind: events.Log, Source: "worker", Level: "warn", Message: "deprecated"},
			"worker ! deprecated", "worker ! deprecated"},
		{"uncaught exception", events.Event{Kind: events.Log, Source: "worker", Level: "error", Message: "Uncaught Error: boom\n    at fetch (src/index.ts:3:9)"},
			"worker x Uncaught Error: boom\n    at fetch (src/index.ts:3:9)", "worker ✗ Uncaught Error: boom\n    at fetch (src/index.ts:3:9)"},
		{"info", events.Event{Kind: events.Info, Message: "using wrangler.jsonc"},
			"- using wrangler.jsonc", "· using wrangler.jsonc"},
		{"warning", events.Event{Kind: events.Warning, Message: `"routes" is not supported yet`},
			`! "routes" is not supported yet`, `! "routes" is not supported yet`},
		{"request", events.Event{Kind: events.Request, Method: "GET", Path: "/api/x", Status: 200, Duration: 12 * time.Millisecond, Route: "worker"},
			"GET /api/x 200 12ms -> worker", "GET /api/x 200 12ms → worker"},
		{"container", events.Event{Kind: events.ContainerState, Class: "Container", ObjectID: "abc", State: "running"},
			"# Container/abc running", "◆ Container/abc running"},
		{"container crashed", events.Event{Kind: events.ContainerState, Class: "Container", ObjectID: "abc", State: "crashed", Error: "exit 2"},
			"# Container/abc crashed: exit 2", "◆ Container/abc crashed: exit 2"},
		{"ready", events.Event{Kind: events.Ready, URL: "http://127.0.0.1:8787"},
			"-> ready on http://127.0.0.1:8787", "➜ ready on http://127.0.0.1:8787"},
		{"ready with its own message", events.Event{Kind: events.Ready, URL: "http://127.0.0.1:8787", Message: "ready on http://127.0.0.1:8787"},
			"-> ready on http://127.0.0.1:8787", "➜ ready on http://127.0.0.1:8787"},
		{"ready with a message without the URL", events.Event{Kind: events.Ready, URL: "http://127.0.0.1:8787", Message: "serving"},
			"-> serving http://127.0.0.1:8787", "➜ serving http://127.0.0.1:8787"},
		{"reloaded", events.Event{Kind: events.Reloaded, Duration: 45 * time.Millisecond},
			"~ reloaded  45ms", "↻ reloaded  45ms"},
		{"unknown kind", events.Event{Kind: "tunnel_open", Message: "x"}, "- tunnel_open  x", "· tunnel_open  x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, color := range []bool{false, true} {
				want := tt.ascii
				if color {
					want = tt.utf
				}
				f := plainFormat(false, false)
				if color {
					// Unicode symbols without the escapes, to compare text only.
					f.sym = plainFormat(true, false).sym
				}
				if got := f.line(tt.e); got != want {
					t.Errorf("color=%v: line = %q; want %q", color, got, want)
				}
			}
		})
	}
}

func TestPlainColor(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetColorEnabled(true)
	r := NewReporter(ios, Plain)
	r.Emit(events.Event{Kind: events.StepDone, Step: "bundle", Duration: time.Millisecond})
	if got := errOut.String(); !strings.Contains(got, "\x1b[") || !strings.Contains(got, "✓") {
		t.Errorf("colored output = %q, want ANSI colors and Unicode symbols", got)
	}
}

func TestPlainNoColorIsASCII(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	r := NewReporter(ios, Plain)
	r.Start()
	for _, e := range sampleEvents() {
		r.Emit(e)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, c := range errOut.String() {
		if c > 127 || c == 0x1b {
			t.Fatalf("output without color has %q:\n%s", c, errOut)
		}
	}
	if out.Len() != 0 {
		t.Errorf("plain mode wrote to stdout: %q", out)
	}
	r.Emit(events.Event{Kind: events.Info, Message: "after stop"})
	if strings.Contains(errOut.String(), "after stop") {
		t.Error("an event after Stop was printed")
	}
}

func TestPlainProgressQuarters(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	r := NewReporter(ios, Plain)
	for b := int64(0); b <= 100; b += 5 {
		r.Emit(events.Event{Kind: events.Progress, Step: "upload", Bytes: b, Total: 100})
	}
	r.Emit(events.Event{Kind: events.Progress, Step: "context", Bytes: 4096})
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "(25%)") || !strings.Contains(lines[3], "(100%)") {
		t.Errorf("progress lines = %q, want 25%%, 50%%, 75%%, 100%% only", lines)
	}
}

// Line is the plain line without color, for text other code carries.
func TestLine(t *testing.T) {
	e := events.Event{Kind: events.Log, Source: "worker", Message: "boom", Time: time.Now()}
	if got, want := Line(e), "worker | boom"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

// valet logs: the data on stdout, each line stamped with the event's time.
func TestLogReporter(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.Local)
	e := events.Event{Time: at, Kind: events.Request, Method: "GET", Path: "/", Status: 200, Duration: 3 * time.Millisecond, Route: "asset"}
	ios, _, out, errOut := iostreams.Test()
	r := NewLogReporter(ios, false)
	r.Emit(e)
	r.Emit(events.Event{Kind: events.Log, Source: "edge", Message: "no time"})
	if got, want := out.String(), "03:04:05.600 GET / 200 3ms -> asset\nedge | no time\n"; got != want || errOut.Len() != 0 {
		t.Errorf("stdout %q (stderr %q), want %q", got, errOut, want)
	}
	ios, _, out, _ = iostreams.Test()
	r = NewLogReporter(ios, true)
	r.Emit(e)
	if !strings.Contains(out.String(), `"duration_ms":3,`) {
		t.Errorf("JSON log line %s", out)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestPlainWriteError(t *testing.T) {
	r := newPlainReporter(failWriter{}, plainFormat(false, false))
	r.Emit(events.Event{Kind: events.Info, Message: "x"})
	if err := r.Stop(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Stop = %v, want the write error", err)
	}
}

func sampleEvents() []events.Event {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return []events.Event{
		{Time: t0, Kind: events.StepStarted, Step: "bundle worker"},
		{Time: t0, Kind: events.StepDone, Step: "bundle worker", Duration: 83 * time.Millisecond},
		{Time: t0, Kind: events.Progress, Step: "upload", Bytes: 50, Total: 100},
		{Time: t0, Kind: events.Warning, Message: "careful"},
		{Time: t0, Kind: events.Request, Method: "GET", Path: "/", Status: 200, Route: "asset"},
		{Time: t0, Kind: events.ContainerState, Class: "Container", ObjectID: "abc", State: "running"},
		{Time: t0, Kind: events.Ready, URL: "http://127.0.0.1:8787"},
		{Time: t0, Kind: events.StepFailed, Step: "deploy", Error: "boom"},
	}
}
