package cmd

import (
	"errors"
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui"
)

func TestShownFailures(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	rep := trackFailures(ui.NewReporter(ios, ui.Plain), ui.Plain)
	rep.Start()
	rep.Emit(events.Event{Kind: events.StepFailed, Step: "worker", Error: "main is missing"})
	_ = rep.Stop()

	var shown *cmdutil.ShownError
	if err := rep.result(errors.New("main is missing")); !errors.As(err, &shown) {
		t.Errorf("an error its step showed is not marked shown: %v", err)
	}
	if err := rep.result(cmdutil.Usagef("main is missing")); cmdutil.ExitCode(err) != 2 {
		t.Errorf("a shown usage error lost its exit code: %d", cmdutil.ExitCode(err))
	}
	if err := rep.result(errors.New("something else")); errors.As(err, &shown) {
		t.Error("an error no step showed is marked shown")
	}
	json := trackFailures(ui.NewReporter(ios, ui.JSON), ui.JSON)
	json.Emit(events.Event{Kind: events.StepFailed, Step: "worker", Error: "x"})
	if err := json.result(errors.New("x")); errors.As(err, &shown) {
		t.Error("in JSON mode stderr has not shown the error yet")
	}
}
