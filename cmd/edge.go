package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// EdgeOptions are the inputs of the hidden `valet edge`.
type EdgeOptions struct {
	IO   *iostreams.IOStreams
	Args []string
}

// NewCmdEdge builds `valet edge VERB ...`: what the edge container runs
// (serve) and what valet deploy execs in it (plan, stage, activate, lock,
// secret, ...). Hidden: users never type it.
func NewCmdEdge(f *cmdutil.Factory, runF func(*EdgeOptions) error) *cobra.Command {
	opts := &EdgeOptions{IO: f.IO}
	return &cobra.Command{
		Use:                "edge VERB [ARGS...]",
		Short:              "The server in a deployed app's edge container (internal)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return edgeRun(cmd.Context(), opts)
		},
	}
}

func edgeRun(ctx context.Context, opts *EdgeOptions) error {
	serverRuntime()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := withStopSignals(ctx)
	defer stop()
	if code := edgehost.Main(ctx, opts.Args, opts.IO.In, opts.IO.Out, opts.IO.ErrOut); code != 0 {
		return &cmdutil.SilentError{Code: code}
	}
	return nil
}
