package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// RollbackOptions are the inputs of `valet rollback`.
type RollbackOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)
	Host    string
	Version string
	Yes     bool
	JSON    bool
	NoTUI   bool
}

// NewCmdRollback builds `valet rollback [VERSION]`.
func NewCmdRollback(f *cmdutil.Factory, runF func(*RollbackOptions) error) *cobra.Command {
	opts := &RollbackOptions{IO: f.IO, Project: projectLoader(f)}
	cmd := &cobra.Command{
		Use:   "rollback [VERSION]",
		Short: "Switch the host back to an earlier version",
		Long: `Switch back to VERSION (default: the version deployed before the serving one),
with the same health check and drain as a deploy. valet versions lists them. With
several hosts, they switch one at a time, as in a deploy.`,
		Example: `  valet rollback                 # back to the version before the serving one
  valet rollback 3f2a9c1e7b04    # an id from valet versions
  valet rollback --host ssh://deploy@example.com --yes`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Version = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return rollbackRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Host, "host", "", "Docker Engine of the host (default every host of deploy.hosts, or deploy.host, else the local engine)")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print events as JSON lines on stdout")
	cmd.Flags().BoolVar(&opts.NoTUI, "no-tui", false, "plain progress lines even on a terminal")
	return cmd
}

func rollbackRun(ctx context.Context, opts *RollbackOptions) error {
	c, err := hostConn(opts.Project, opts.Host)
	if err != nil {
		return err
	}
	return withReporter(ctx, opts.IO, opts.JSON, opts.NoTUI, c.Project, func(ctx context.Context, em *events.Emitter) error {
		res, err := deploy.Rollback(ctx, c, opts.Version, em)
		if err != nil {
			return err
		}
		if len(res.Hosts) > 1 {
			em.Info(fmt.Sprintf("version %s serving on %d hosts (was %s)", res.Version, len(res.Hosts), res.Previous))
			return nil
		}
		em.Info(fmt.Sprintf("version %s serving (was %s)", res.Version, res.Previous))
		return nil
	})
}
