package text

import (
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

func TestDuration(t *testing.T) {
	tests := map[time.Duration]string{
		0:                       "0ms",
		412 * time.Microsecond:  "412µs",
		83 * time.Millisecond:   "83ms",
		999 * time.Millisecond:  "999ms",
		1200 * time.Millisecond: "1.2s",
		42 * time.Second:        "42s",
		125 * time.Second:       "2m05s",
		time.Hour + time.Second: "60m01s",
		-time.Second:            "0ms",
	}
	for d, want := range tests {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	tests := map[int64]string{
		0:                       "0 B",
		512:                     "512 B",
		4096:                    "4.0 KiB",
		12*1024*1024 + 512*1024: "12.5 MiB",
		3 << 30:                 "3.0 GiB",
	}
	for n, want := range tests {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestProgress(t *testing.T) {
	if got, want := Progress(4<<20, 10<<20), "4.0 MiB / 10.0 MiB (40%)"; got != want {
		t.Errorf("Progress = %q, want %q", got, want)
	}
	if got, want := Progress(2048, 0), "2.0 KiB"; got != want {
		t.Errorf("Progress without total = %q, want %q", got, want)
	}
	if got := Percent(20, 10); got != 100 {
		t.Errorf("Percent past the total = %d, want 100", got)
	}
}

func TestRequest(t *testing.T) {
	e := events.Event{Method: "GET", Path: "/api/x", Status: 200, Duration: 12 * time.Millisecond, Route: "worker"}
	if got, want := Request(e, Unicode()), "GET /api/x 200 12ms → worker"; got != want {
		t.Errorf("Request = %q, want %q", got, want)
	}
	if got, want := Request(e, ASCII()), "GET /api/x 200 12ms -> worker"; got != want {
		t.Errorf("Request ASCII = %q, want %q", got, want)
	}
}

func TestContainer(t *testing.T) {
	tests := []struct {
		e    events.Event
		want string
	}{
		{events.Event{Class: "Container", ObjectID: "0123456789abcdef"}, "Container/0123456789ab"},
		{events.Event{Class: "Container"}, "Container"},
		{events.Event{ObjectID: "abc"}, "abc"},
	}
	for _, tt := range tests {
		if got := Container(tt.e); got != tt.want {
			t.Errorf("Container(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestASCIIIsASCII(t *testing.T) {
	a := ASCII()
	for _, s := range []string{a.Done, a.Started, a.Failed, a.Skipped, a.Warning,
		a.Info, a.Container, a.Ready, a.Reloaded, a.Arrow, a.Pipe} {
		for _, r := range s {
			if r > 127 {
				t.Errorf("ASCII symbol %q is not ASCII", s)
			}
		}
	}
}
