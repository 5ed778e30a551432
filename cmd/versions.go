package cmd

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// VersionsOptions are the inputs of `valet versions`.
type VersionsOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)
	Host    string
	JSON    bool
}

// NewCmdVersions builds `valet versions`.
func NewCmdVersions(f *cmdutil.Factory, runF func(*VersionsOptions) error) *cobra.Command {
	opts := &VersionsOptions{IO: f.IO, Project: projectLoader(f)}
	cmd := &cobra.Command{
		Use:   "versions",
		Short: "List the versions kept on the host",
		Long: `List the versions of the app kept on the host (deploy.keep, default 5), newest
first: id, when it was deployed, what changed against the version serving then,
and which one is serving now.`,
		Example: `  valet versions
  valet versions --host ssh://deploy@example.com
  valet versions --json | jq -r '.[] | select(.active) | .id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Host, "host", "", "Docker Engine of the host (default every host of deploy.hosts, or deploy.host, else the local engine)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the versions as a JSON array")
	return cmd
}

func versionsRun(ctx context.Context, opts *VersionsOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := hostConn(opts.Project, opts.Host)
	if err != nil {
		return err
	}
	vs, err := deploy.Versions(ctx, c)
	if err != nil {
		return err
	}
	if opts.JSON {
		return printJSON(opts.IO.Out, vs)
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	cluster := false
	for _, v := range vs {
		cluster = cluster || len(v.KeptOn) > 0
	}
	if cluster {
		// Several hosts: which serve it, and which keep it.
		fmt.Fprintln(w, "VERSION\tDEPLOYED\tCHANGES\tACTIVE ON\tKEPT ON")
		for _, v := range vs {
			active := strings.Join(v.ActiveOn, ", ")
			if v.Active {
				active = "* every host"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", v.ID, v.Created.Local().Format(time.DateTime), v.Summary, active, strings.Join(v.KeptOn, ", "))
		}
		return w.Flush()
	}
	fmt.Fprintln(w, "VERSION\tDEPLOYED\tCHANGES\tACTIVE")
	for _, v := range vs {
		active := ""
		if v.Active {
			active = "*"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", v.ID, v.Created.Local().Format(time.DateTime), v.Summary, active)
	}
	return w.Flush()
}
