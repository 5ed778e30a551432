package cmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// DeployOptions are the inputs of `valet deploy`.
type DeployOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)

	Host   string
	Port   int
	IP     string
	OutDir string
	DryRun bool
	Yes    bool
	JSON   bool
	NoTUI  bool
}

// NewCmdDeploy builds `valet deploy`.
func NewCmdDeploy(f *cmdutil.Factory, runF func(*DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IO, Project: projectLoader(f)}
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Ship a version to a host and switch to it with no failed request",
		Long: `Build the app, send the host only what it lacks (files by content hash, images by
ID) and switch to the new version once GET deploy.healthcheck.path answers 2xx/3xx
through it. Requests in flight finish on the old version; a failed check leaves the
old version serving and shows the check's output.

The host is --host, else deploy.host, else the local Docker Engine (DOCKER_HOST or
the default socket): unix:///path, tcp://host:port (TLS from DOCKER_CERT_PATH and
DOCKER_TLS_VERIFY) or ssh://user@host[:port]. All control goes over that engine
connection: the host needs dockerd (and sshd for ssh://), nothing else.

With deploy.hosts, the version goes to every host (or the one --host names), and
the hosts switch one at a time: each loads the new version beside the old as a new
instance of the app's workerd cluster (deploy.cluster), waits until it is ready and
passes its check, switches, and stops the old one, which hands its Durable Objects
to the other instances; then the next host. A host that fails stops the deploy and
the hosts switched before it switch back. The cluster key is generated on the first
deploy and kept on every host as the secret VALET_CLUSTER_KEY; the bucket's
credentials are the secrets VALET_CLUSTER_ACCESS_KEY_ID and
VALET_CLUSTER_SECRET_ACCESS_KEY (valet secret put).`,
		Example: `  valet deploy
  valet deploy --host ssh://deploy@example.com --env production
  valet deploy --dry-run
  valet deploy --json | jq -c 'select(.kind=="result")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return deployRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Host, "host", "", "Docker Engine of the host (default deploy.hosts or deploy.host, else the local engine); with deploy.hosts, one of them")
	cmd.Flags().IntVar(&opts.Port, "port", 0, "public port on the host (default deploy.port, else 80)")
	cmd.Flags().StringVar(&opts.IP, "ip", "0.0.0.0", "host address the port is published on")
	cmd.Flags().StringVar(&opts.OutDir, "outdir", "", "build directory (default .valet/build)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan and change nothing")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print events and the result as JSON lines on stdout")
	cmd.Flags().BoolVar(&opts.NoTUI, "no-tui", false, "plain progress lines even on a terminal")
	return cmd
}

func deployRun(ctx context.Context, opts *DeployOptions) error {
	if opts.Port < 0 || opts.Port > 65535 {
		return cmdutil.Usagef("--port %d is not a port: use 1-65535", opts.Port)
	}
	p, err := opts.Project()
	if err != nil {
		return err
	}
	return withReporter(ctx, opts.IO, opts.JSON, opts.NoTUI, p, func(ctx context.Context, em *events.Emitter) error {
		res, err := deploy.Run(ctx, deploy.Options{
			Conn: deploy.Conn{Project: p, Host: opts.Host}, Port: opts.Port, BindIP: opts.IP,
			OutDir: opts.OutDir, DryRun: opts.DryRun, Events: em,
		})
		if err != nil {
			return err
		}
		switch {
		case res.DryRun:
			em.Info("dry run: nothing was changed")
		case res.Switched && len(res.Hosts) > 1:
			msg := fmt.Sprintf("version %s serving on %d hosts (%s; %d files, %s sent in %s)", res.Version, len(res.Hosts), res.Summary,
				res.Files, text.Bytes(res.Bytes), text.Duration(res.Duration.Duration()))
			em.Emit(events.Event{Kind: events.Ready, Message: msg})
		case res.Switched:
			msg := fmt.Sprintf("version %s serving on %s (%s; %d files, %s sent in %s)", res.Version, res.URL, res.Summary,
				res.Files, text.Bytes(res.Bytes), text.Duration(res.Duration.Duration()))
			em.Emit(events.Event{Kind: events.Ready, URL: res.URL, Message: msg})
		case len(res.Hosts) > 1:
			em.Info(fmt.Sprintf("version %s already serving on %d hosts", res.Version, len(res.Hosts)))
		default:
			em.Info(fmt.Sprintf("version %s already serving on %s", res.Version, res.URL))
		}
		if opts.JSON {
			return json.NewEncoder(opts.IO.Out).Encode(struct {
				Kind string `json:"kind"`
				*deploy.Result
			}{"result", res})
		}
		return nil
	})
}

// hostConn is the deploy.Conn of the commands that work on a deployed app.
func hostConn(project func() (*config.Project, error), host string) (deploy.Conn, error) {
	p, err := project()
	if err != nil {
		return deploy.Conn{}, err
	}
	return deploy.Conn{Project: p, Host: host}, nil
}
