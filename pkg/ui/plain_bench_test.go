package ui

import (
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// BenchmarkRequestLine is the cost valet dev pays per request for its
// plain log line: 7.4 µs through lipgloss, 1.3 µs with uncolored styles
// that return their text as it is (2 cores).
func BenchmarkRequestLine(b *testing.B) {
	f := plainFormat(false, false)
	e := events.Event{Kind: events.Request, Method: "GET", Path: "/api/x", Status: 200, Route: "worker", Duration: 3 * time.Millisecond}
	for i := 0; i < b.N; i++ {
		_ = f.line(e)
	}
}
