package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// StatusOptions are the inputs of `valet status`.
type StatusOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)
	Host    string
	JSON    bool
	Now     func() time.Time // tests fix the clock of "in 12s"
}

// NewCmdStatus builds `valet status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Project: projectLoader(f), Now: time.Now}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the hosts, the version each serves, and where Durable Objects live",
		Long: `Show each host of the app: its edge container (running, restarted, gone), the
version it serves, and whether that version is ready. With several hosts
(deploy.hosts and deploy.cluster), also the instances the cluster's bucket knows,
with their leases, and where each Durable Object lives: the instance that owns it
in the bucket, its host and version. An instance whose lease expired is gone (its
host was killed or cut off); its objects go to the next instance asked.`,
		Example: `  valet status
  valet status --json | jq '.objects[] | select(.state != "running")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Host, "host", "", "only this host (default: every host of deploy.hosts, or deploy.host, else the local engine)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the status as JSON")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := hostConn(opts.Project, opts.Host)
	if err != nil {
		return err
	}
	st, err := deploy.Status(ctx, c)
	if err != nil {
		return err
	}
	if opts.JSON {
		return printJSON(opts.IO.Out, st)
	}
	writeStatus(opts.IO.Out, st, opts.Now())
	return nil
}

// writeStatus renders st as tables.
func writeStatus(out io.Writer, st *deploy.StatusResult, now time.Time) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "HOST\tEDGE\tVERSION\tREADY\tCLUSTER ADDRESS")
	for _, h := range st.Hosts {
		edge := h.Edge
		if h.EdgeRestarts > 0 || (h.Edge == "running" && !h.EdgeStarted.IsZero()) {
			edge += ", up " + text.Duration(now.Sub(h.EdgeStarted).Round(time.Second))
		}
		if h.EdgeRestarts > 0 {
			edge += fmt.Sprintf(" (%d restarts)", h.EdgeRestarts)
		}
		ready, addr := "no", ""
		if h.Ready {
			ready = "yes"
		}
		var versions []string
		for _, in := range h.Instances {
			v := short(in.Version)
			if !in.Serving {
				v += " (switching)"
			}
			versions = append(versions, v)
			if in.Serving {
				addr = in.Cluster
				if !in.Ready && in.NotReady != "" {
					ready = "no: " + oneLine(in.NotReady)
				}
			}
		}
		if h.Error != "" {
			ready = "? " + oneLine(h.Error)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", orLocal(h.Host), edge, orDash(strings.Join(versions, ", ")), ready, orDash(addr))
	}
	_ = w.Flush()

	if st.Bucket != "" {
		fmt.Fprintf(out, "\nCluster bucket %s", st.Bucket)
		if st.BucketError != "" {
			fmt.Fprintf(out, ": %s", oneLine(st.BucketError))
		}
		fmt.Fprintln(out)
		if len(st.Members) > 0 {
			w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "INSTANCE\tHOST\tVERSION\tLEASE")
			for _, m := range st.Members {
				lease := "expires in " + text.Duration(m.Expires.Sub(st.Read).Round(time.Second))
				switch {
				case m.Expired:
					lease = "expired " + text.Duration(st.Read.Sub(m.Expires).Round(time.Second)) + " ago: gone, its objects go to the next instance asked"
				case m.Draining:
					lease += ", stopping: handing its objects over"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Address, orDash(m.Host), orDash(short(m.Version)), lease)
			}
			_ = w.Flush()
		}
	}
	if len(st.Objects) == 0 {
		fmt.Fprintln(out, "\nNo Durable Object has run yet.")
		return
	}
	fmt.Fprintf(out, "\nDurable Objects: %d", len(st.Objects))
	if st.Truncated {
		fmt.Fprint(out, " (the bucket holds more)")
	}
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CLASS\tID\tHOST\tVERSION\tSTATE")
	for _, o := range st.Objects {
		state := o.State
		if o.Epoch > 0 {
			state += fmt.Sprintf(" (epoch %d)", o.Epoch)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", orDash(o.Class), short(o.ID), orDash(o.Host), orDash(short(o.Version)), state)
	}
	_ = w.Flush()
}

// short cuts an id to 12 characters, as versions are shown.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
