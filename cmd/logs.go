package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui"
)

// LogsOptions are the inputs of `valet logs`.
type LogsOptions struct {
	IO       *iostreams.IOStreams
	Project  func() (*config.Project, error)
	Host     string
	NoFollow bool
	JSON     bool
}

// NewCmdLogs builds `valet logs`.
func NewCmdLogs(f *cmdutil.Factory, runF func(*LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{IO: f.IO, Project: projectLoader(f)}
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Stream the host's request log and the containers' output",
		Long: `Follow the deployed app's logs: one line per request served by the edge, the
worker's console output, and the output of its Durable Object containers.`,
		Example: `  valet logs
  valet logs --no-follow --host ssh://deploy@example.com
  valet logs --json | jq -c 'select(.status >= 500)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return logsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Host, "host", "", "Docker Engine of the host (default every host of deploy.hosts, or deploy.host, else the local engine)")
	cmd.Flags().BoolVar(&opts.NoFollow, "no-follow", false, "print the logs so far and exit")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "JSON lines, as valet's other --json output")
	return cmd
}

func logsRun(ctx context.Context, opts *LogsOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := hostConn(opts.Project, opts.Host)
	if err != nil {
		return err
	}
	ctx, stop := withStopSignals(ctx)
	defer stop()
	r := ui.NewLogReporter(opts.IO, opts.JSON)
	r.Start()
	err = deploy.Logs(ctx, c, deploy.LogsOptions{Follow: !opts.NoFollow, Events: r})
	if rerr := r.Stop(); err == nil {
		err = rerr
	}
	if ctx.Err() != nil {
		return nil // Ctrl-C ends a follow
	}
	return err
}
