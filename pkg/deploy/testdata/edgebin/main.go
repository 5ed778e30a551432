// Command edgebin is `valet edge` alone, for tests: a small static binary
// to put in the edge image without building all of valet.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/valet-dev/valet/pkg/edgehost"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "edge" {
		args = args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := edgehost.Main(ctx, args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
