package events

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMillisJSON(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                 "0",
		12500 * time.Microsecond:          "12.5",
		1200 * time.Millisecond:           "1200",
		1234567 * time.Nanosecond:         "1.234", // to the microsecond
		90*time.Second + time.Millisecond: "90001",
	} {
		b, err := json.Marshal(Millis(d))
		if err != nil || string(b) != want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", d, b, err, want)
		}
		var back Millis
		if err := json.Unmarshal(b, &back); err != nil || back.Duration() != d.Truncate(time.Microsecond) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, back.Duration(), err, d.Truncate(time.Microsecond))
		}
	}
	var m Millis
	if err := json.Unmarshal([]byte(`"12ms"`), &m); err == nil {
		t.Error("a string was read as milliseconds")
	}
}
