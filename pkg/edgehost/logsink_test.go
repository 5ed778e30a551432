package edgehost

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui"
)

// The edge's log is pkg/ui's JSON lines, read back whole by valet logs:
// durations in milliseconds (duration_ms), the version that served.
func TestLogSinkWritesEventLines(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	sink := newLogSink(&out, &mu, "v1", 2)
	req := events.Event{Time: time.Now(), Kind: events.Request, Method: "GET", Path: "/x", Status: 200, Duration: 1500 * time.Microsecond}
	sink.Emit(req)
	line := strings.TrimSpace(out.String())
	if !strings.Contains(line, `"duration_ms":1.5`) || strings.Contains(line, "duration_ns") || !strings.Contains(line, `"version":"v1"`) {
		t.Errorf("log line %s, want duration_ms 1.5 and version v1", line)
	}
	got, err := ui.UnmarshalEvent([]byte(line))
	if err != nil || got.Duration != req.Duration || got.Version != "v1" || got.Path != "/x" {
		t.Errorf("read back %+v, %v", got, err)
	}
}

func TestLogSinkTail(t *testing.T) {
	var mu sync.Mutex
	sink := newLogSink(nil, &mu, "v1", 2)
	sink.Emit(events.Event{Kind: events.Log, Source: "worker", Message: "one"})
	sink.Emit(events.Event{Kind: events.Request, Method: "GET", Path: "/ok", Status: 200})
	sink.Emit(events.Event{Kind: events.Log, Source: "worker", Message: "two"})
	sink.Emit(events.Event{Kind: events.Request, Method: "GET", Path: "/health", Status: 500, Error: "boom"})
	want := []string{"worker | two", "GET /health 500 0ms: boom"}
	if got := sink.Tail(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Tail = %q, want %q", got, want)
	}
}
