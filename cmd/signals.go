package cmd

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end a command as Ctrl-C does: SIGTERM (a supervisor, docker
// stop) and SIGHUP (the terminal closed, an ssh session dropped) too, so
// that the command cleans up (valet dev removes its containers) instead of
// dying where it stands.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// withStopSignals returns ctx cancelled by the first of stopSignals.
func withStopSignals(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, stopSignals...)
}
