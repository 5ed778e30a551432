package cmd

import (
	"context"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui"
)

// withReporter runs fn with the event reporter the flags and terminal call
// for (dashboard, plain lines or JSON lines).
func withReporter(ctx context.Context, io *iostreams.IOStreams, asJSON, noTUI bool, p *config.Project, fn func(context.Context, *events.Emitter) error) error {
	mode := ui.ModeFor(io, asJSON, noTUI)
	return reported(ctx, ui.NewReporter(io, mode), mode, p, fn)
}

// reported runs fn with rep rendering its events: the config's warnings
// first, then fn, cancelled by Ctrl-C, SIGTERM, SIGHUP or the TUI's quit
// key (which the TUI reads as a key, so no signal arrives). A failure the
// progress output already showed is not printed again.
func reported(ctx context.Context, rep ui.Reporter, mode ui.Mode, p *config.Project, fn func(context.Context, *events.Emitter) error) error {
	if ctx == nil {
		ctx = context.Background()
	}
	r := trackFailures(rep, mode)
	r.Start()
	em := events.NewEmitter(r)
	if p != nil {
		for _, w := range p.Warnings {
			em.Warn(w.String())
		}
	}
	ctx, stop := withStopSignals(ctx)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.Interrupted():
			cancel()
		case <-ctx.Done():
		}
	}()
	err := fn(ctx, em)
	if rerr := r.Stop(); err == nil {
		err = rerr
	}
	return r.result(err)
}
