package ui

import (
	"testing"

	"github.com/valet-dev/valet/pkg/iostreams"
)

func TestModeFor(t *testing.T) {
	tests := []struct {
		name        string
		tty         bool
		json, noTUI bool
		want        Mode
	}{
		{name: "terminal", tty: true, want: TUI},
		{name: "terminal with --no-tui", tty: true, noTUI: true, want: Plain},
		{name: "terminal with --json", tty: true, json: true, want: JSON},
		{name: "pipe", want: Plain},
		{name: "pipe with --json", json: true, want: JSON},
		{name: "--json wins over --no-tui", json: true, noTUI: true, want: JSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStderrTTY(tt.tty)
			if got := ModeFor(ios, tt.json, tt.noTUI); got != tt.want {
				t.Errorf("ModeFor = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{TUI: "tui", Plain: "plain", JSON: "json", Mode(9): "Mode(9)"} {
		if got := m.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(m), got, want)
		}
	}
}
