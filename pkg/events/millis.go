package events

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Millis is a duration that JSON writes as milliseconds (a number, to the
// microsecond): the one unit of every duration valet writes as JSON, in
// fields named *_ms (`--json` output, the edge's log and answers).
type Millis time.Duration

// Duration is m as a time.Duration.
func (m Millis) Duration() time.Duration { return time.Duration(m) }

// String writes m as time.Duration does, for people (logs, messages).
func (m Millis) String() string { return time.Duration(m).String() }

// MarshalJSON writes m in milliseconds: 12.5 for 12.5ms.
func (m Millis) MarshalJSON() ([]byte, error) {
	return json.Marshal(float64(time.Duration(m).Microseconds()) / 1000)
}

// UnmarshalJSON reads milliseconds.
func (m *Millis) UnmarshalJSON(b []byte) error {
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration in milliseconds: %w", err)
	}
	*m = Millis(time.Duration(math.Round(ms*1000)) * time.Microsecond)
	return nil
}
