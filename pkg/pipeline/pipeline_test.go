package pipeline

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
)

type state struct{ ran []string }

func step(name, skip string, err error) Step[*state] {
	return Step[*state]{
		Name: name,
		Skip: func(*state) string { return skip },
		Run: func(_ context.Context, st *state) error {
			st.ran = append(st.ran, name)
			return err
		},
	}
}

func run(t *testing.T, ctx context.Context, steps ...Step[*state]) (*state, []string, error) {
	t.Helper()
	var rec events.Recorder
	st := &state{}
	err := Run(ctx, events.NewEmitter(&rec), steps, st)
	var evs []string
	for _, e := range rec.Events() {
		evs = append(evs, fmt.Sprintf("%s %s %s%s", e.Kind, e.Step, e.Message, e.Error))
	}
	return st, evs, err
}

func TestRunReportsSkipReasons(t *testing.T) {
	st, evs, err := run(t, context.Background(),
		step("custom build", "no build.command", nil),
		step("worker", "", nil),
		step("frontend", "", events.Skip("unchanged")),
		Step[*state]{Name: "images", Run: step("images", "", nil).Run}, // no Skip func

	)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"step_skipped custom build no build.command",
		"step_started worker ", "step_done worker ",
		"step_started frontend ", "step_skipped frontend unchanged",
		"step_started images ", "step_done images ",
	}
	if !reflect.DeepEqual(evs, want) {
		t.Errorf("events\n%q\nwant\n%q", evs, want)
	}
	if !reflect.DeepEqual(st.ran, []string{"worker", "frontend", "images"}) {
		t.Errorf("ran %q: a step skipped before running ran", st.ran)
	}
}

func TestRunStopsAtFailure(t *testing.T) {
	boom := errors.New("boom")
	st, evs, err := run(t, context.Background(), step("a", "", boom), step("b", "", nil))
	if !errors.Is(err, boom) || len(st.ran) != 1 {
		t.Fatalf("err %v, ran %q", err, st.ran)
	}
	if evs[len(evs)-1] != "step_failed a boom" {
		t.Errorf("events %q", evs)
	}
}

func TestRunErrStop(t *testing.T) {
	st, evs, err := run(t, context.Background(), step("plan", "", ErrStop), step("upload", "", nil))
	if err != nil || len(st.ran) != 1 {
		t.Fatalf("err %v, ran %q: ErrStop must end the pipeline with success", err, st.ran)
	}
	if evs[len(evs)-1] != "step_done plan " {
		t.Errorf("events %q: the stopping step is done", evs)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, evs, err := run(t, ctx, step("a", "", nil))
	if !errors.Is(err, context.Canceled) || len(st.ran) != 0 || len(evs) != 0 {
		t.Errorf("err %v, ran %q, events %q", err, st.ran, evs)
	}
}
