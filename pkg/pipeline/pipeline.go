// Package pipeline runs long work (build, dev's first build, deploy) as an
// ordered list of steps, after goreleaser's pipelines: a step is a name, an
// optional reason to skip it, and its work. Timing, events and skips are
// the middleware's (events.Emitter.Step), never code in each step.
package pipeline

import (
	"context"
	"errors"

	"github.com/valet-dev/valet/pkg/events"
)

// Step is one stage of a pipeline working on the shared state S.
type Step[S any] struct {
	Name string
	// Skip gives the reason not to run the step ("no frontend"), or "" to
	// run it. The step is reported skipped with that reason: a note, not
	// a failure. Nil runs the step always.
	Skip func(S) string
	// Run does the work. It returns events.Skip(reason) when it finds the
	// work done already, and ErrStop to end the pipeline early.
	Run func(context.Context, S) error
}

// ErrStop, returned by a step, ends the pipeline after it with success:
// nothing is left to do (no change, a dry run).
var ErrStop = errors.New("pipeline: nothing left to do")

// Run runs steps in order on st, reporting each through em, and stops at
// the first failure, at ErrStop, or when ctx ends.
func Run[S any](ctx context.Context, em *events.Emitter, steps []Step[S], st S) error {
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.Skip != nil {
			if reason := s.Skip(st); reason != "" {
				em.Emit(events.Event{Kind: events.StepSkipped, Step: s.Name, Message: reason})
				continue
			}
		}
		stop := false
		err := em.Step(s.Name, func() error {
			err := s.Run(ctx, st)
			if errors.Is(err, ErrStop) {
				stop = true
				return nil
			}
			return err
		})
		if err != nil || stop {
			return err
		}
	}
	return nil
}
