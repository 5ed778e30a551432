package iostreams

import "testing"

func TestTestStreams(t *testing.T) {
	s, _, _, _ := Test()
	if s.CanPrompt() || s.CanTUI() || s.ColorEnabled() {
		t.Error("buffers are not terminals")
	}
	s.SetStdinTTY(true)
	s.SetStderrTTY(true)
	if !s.CanPrompt() || !s.CanTUI() {
		t.Error("terminals on stdin and stderr can prompt and draw")
	}
}

func TestSystemNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	if System().ColorEnabled() {
		t.Error("NO_COLOR set, yet color enabled")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if System().ColorEnabled() {
		t.Error("TERM=dumb, yet color enabled")
	}
}

func TestCI(t *testing.T) {
	t.Setenv("CI", "true")
	s := System()
	if !s.IsCI() || s.CanPrompt() || s.CanTUI() {
		t.Error("under CI valet neither prompts nor draws")
	}
	t.Setenv("CI", "false")
	t.Setenv("BUILD_NUMBER", "")
	t.Setenv("RUN_ID", "")
	if System().IsCI() {
		t.Error("CI=false is not CI")
	}
}
