package events

import (
	"errors"
	"fmt"
	"testing"
)

func kinds(r *Recorder) []string {
	var out []string
	for _, e := range r.Events() {
		out = append(out, fmt.Sprintf("%s %s %s%s", e.Kind, e.Step, e.Message, e.Error))
	}
	return out
}

func TestStep(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		fn   func() error
		err  error
		want string
	}{
		{"done", func() error { return nil }, nil, "step_done s "},
		{"failed", func() error { return boom }, boom, "step_failed s boom"},
		{"skipped", func() error { return Skip("unchanged") }, nil, "step_skipped s unchanged"},
		{"skipped, wrapped", func() error { return fmt.Errorf("images: %w", Skip("none missing")) }, nil, "step_skipped s none missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Recorder
			if err := NewEmitter(&r).Step("s", tt.fn); !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("Step = %v, want %v", err, tt.err)
			}
			got := kinds(&r)
			if len(got) != 2 || got[0] != "step_started s " || got[1] != tt.want {
				t.Errorf("events %q, want step_started then %q", got, tt.want)
			}
		})
	}
}

func TestSkipReason(t *testing.T) {
	if r, ok := SkipReason(Skip("x")); !ok || r != "x" {
		t.Errorf("SkipReason(Skip(x)) = %q, %v", r, ok)
	}
	if _, ok := SkipReason(errors.New("x")); ok {
		t.Error("a plain error is a skip")
	}
	if _, ok := SkipReason(nil); ok {
		t.Error("nil is a skip")
	}
}
