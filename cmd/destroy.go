package cmd

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// DestroyOptions are the inputs of `valet destroy`.
type DestroyOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)
	Host    string
	Yes     bool
}

// NewCmdDestroy builds `valet destroy`.
func NewCmdDestroy(f *cmdutil.Factory, runF func(*DestroyOptions) error) *cobra.Command {
	opts := &DestroyOptions{IO: f.IO, Project: projectLoader(f)}
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Remove everything of the app from the host",
		Long: `Remove the app's edge and Durable Object containers, its state volume (versions,
secrets, Durable Object storage) and its images from the host. Asks first on a
terminal; elsewhere --yes is required.`,
		Example: `  valet destroy
  valet destroy --env staging --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return destroyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Host, "host", "", "Docker Engine of the host (default every host of deploy.hosts, or deploy.host, else the local engine)")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func destroyRun(ctx context.Context, opts *DestroyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := hostConn(opts.Project, opts.Host)
	if err != nil {
		return err
	}
	var data string
	if p, err := opts.Project(); err == nil {
		data = dataNote(p.Config)
	}
	if !opts.Yes {
		if !opts.IO.CanPrompt() {
			return cmdutil.Usagef("valet destroy removes %s and its data from the host%s: pass --yes to confirm", c.App(), data)
		}
		fmt.Fprintf(opts.IO.ErrOut, "Remove %s, its versions, secrets and data from %s%s?\nType the app's name to confirm: ", c.App(), hostsOf(c), data)
		line, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
		if strings.TrimSpace(line) != c.App() {
			return cmdutil.CancelError
		}
	}
	res, err := deploy.Destroy(ctx, c, warningsTo(opts.IO.ErrOut))
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, destroySummary(c.App(), res))
	return nil
}

// hostsOf names the hosts the command works on.
func hostsOf(c deploy.Conn) string {
	hosts, err := c.Hosts()
	if err != nil || len(hosts) == 0 {
		return orLocal(c.Host)
	}
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = orLocal(h.Host)
	}
	return strings.Join(names, ", ")
}

// dataNote names the data that goes with the app (and what stays), from
// the bindings of its config.
func dataNote(c *config.Config) string {
	gone, kept := bindings.Data(c)
	var b strings.Builder
	if len(gone) > 0 {
		b.WriteString(" (its data: " + strings.Join(gone, ", ") + ")")
	}
	if len(kept) > 0 {
		b.WriteString("; kept, as they live outside the host: " + strings.Join(kept, ", "))
	}
	return b.String()
}

// destroySummary says what went, in words.
func destroySummary(app string, res *deploy.DestroyResult) string {
	if res.Containers == 0 && res.Images == 0 && res.Networks == 0 && !res.Volume {
		return app + " had nothing on the host"
	}
	parts := []string{countOf(res.Containers-res.Objects, "edge container")}
	if res.Objects > 0 {
		parts = append(parts, countOf(res.Objects, "Durable Object container"))
	}
	parts = append(parts, countOf(res.Images, "image"))
	if res.Networks > 0 {
		parts = append(parts, countOf(res.Networks, "network"))
	}
	if res.Volume {
		parts = append(parts, "its state volume (versions, secrets, Durable Object, KV, D1, R2, queue, Workflow and cron storage)")
	}
	msg := "removed " + app + ": " + strings.Join(parts, ", ")
	if res.Hosts > 1 {
		msg += fmt.Sprintf(", from %d hosts", res.Hosts)
	}
	if res.Bucket != "" {
		msg += "; the cluster's bucket " + res.Bucket + " keeps the Durable Objects' storage: empty it yourself if it should go"
	}
	return msg
}

func countOf(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func orLocal(host string) string {
	if host == "" {
		return "the local Docker Engine"
	}
	return host
}
