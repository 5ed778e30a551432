package runtime

import (
	"context"
	"errors"
	"time"

	"github.com/dop251/goja"
)

// ScheduledEvent is one cron trigger firing: what the worker's
// scheduled(controller, env, ctx) handler receives as controller.
type ScheduledEvent struct {
	Cron string    // the cron expression, as in triggers.crons ("" when tested by hand)
	Time time.Time // controller.scheduledTime (ms since the epoch); zero: now
}

// Scheduled runs the worker's scheduled handler on the least busy isolate
// and waits until it, and what it passed to ctx.waitUntil, settle. A thrown
// or rejected error is returned as a *JSError (and logged, as uncaught).
func (p *Pool) Scheduled(ctx context.Context, ev ScheduledEvent) error {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	iso := p.Pick()
	iso.inflight.Add(1)
	defer iso.inflight.Add(-1)
	done := make(chan error, 1)
	err := iso.Run(ctx, func(vm *goja.Runtime) error {
		var mod goja.Value = goja.Undefined()
		if iso.worker != nil {
			mod = iso.worker
		}
		v, err := iso.hooks.runScheduled(goja.Undefined(), mod, iso.env, vm.ToValue(ev.Cron), vm.ToValue(ev.Time.UnixMilli()))
		if err != nil {
			if ierr := ignoreException(err); ierr != nil {
				iso.check(ierr)
				return errors.New(errTimeLimit)
			}
			return iso.asJSError(err)
		}
		iso.Await(v, func(_ goja.Value, err error) { done <- err })
		return nil
	})
	if err == nil {
		select {
		case err = <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if je, ok := err.(*JSError); ok {
		p.log("error", "Uncaught "+je.String())
	}
	return err
}
