package deploy

import (
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// The edge's output is event lines (pkg/ui's JSON) and, rarely, anything
// else it printed: both reach valet logs as events.
func TestLogEvent(t *testing.T) {
	e := logEvent([]byte(`{"time":"2026-01-02T03:04:05Z","kind":"request","method":"GET","path":"/","status":200,"duration_ms":2.5,"version":"v1"}`))
	if e.Kind != events.Request || e.Duration != 2500*time.Microsecond || e.Version != "v1" || e.Time.IsZero() {
		t.Errorf("event line read as %+v", e)
	}
	for _, line := range []string{"panic: runtime error", `{"not":"an event"}`} {
		if e := logEvent([]byte(line)); e.Kind != events.Log || e.Source != "edge" || e.Message != line {
			t.Errorf("%q read as %+v, want a log line of the edge", line, e)
		}
	}
}
