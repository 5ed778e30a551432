package cmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devserver"
	"github.com/valet-dev/valet/pkg/devvars"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui"
	"github.com/valet-dev/valet/pkg/ui/dev"
)

// DevOptions are the inputs of `valet dev`.
type DevOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)

	IP        string
	Port      int
	PersistTo string
	NoTUI     bool
	JSON      bool
	// TestScheduled serves /__scheduled (wrangler's --test-scheduled).
	TestScheduled bool
	// Vars are --var KEY:VALUE, overriding the config's vars.
	Vars []string
}

// NewCmdDev builds `valet dev`.
func NewCmdDev(f *cmdutil.Factory, runF func(*DevOptions) error) *cobra.Command {
	opts := &DevOptions{IO: f.IO, Project: projectLoader(f)}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole app locally",
		Long: `Run the app locally: build it for development, serve the assets and the worker
on --ip:--port (127.0.0.1:8787 by default, or dev.ip/dev.port from the config),
with Durable Objects stored under --persist-to and their containers on the local
Docker Engine. Secrets come from .dev.vars (or .env).

As in wrangler dev, an uncaught exception of the worker answers with an error
page (the plain stack for curl) whose stack points at your sources, and
/cdn-cgi/handler/scheduled?cron=...&time=<ms> runs the scheduled handler.

Ctrl-C (or SIGTERM, or SIGHUP when the terminal goes away) stops the server and
removes every container it started. At start, it removes the containers that a
killed valet dev of the app left behind, never those of one still running.`,
		Example: `  valet dev
  valet dev --port 3000 --env staging
  valet dev --no-tui | tee dev.log
  valet dev --test-scheduled   # then: curl "http://127.0.0.1:8787/__scheduled?cron=*+*+*+*+*"
  valet dev --var API_HOST:localhost:9000 --var DEBUG:true`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("port") && opts.Port == 0 {
				opts.Port = devserver.AnyPort
			}
			if runF != nil {
				return runF(opts)
			}
			return devRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.IP, "ip", "", "address to listen on (default 127.0.0.1)")
	cmd.Flags().IntVar(&opts.Port, "port", 0, "port to listen on (default 8787, or dev.port; 0 picks a free port)")
	cmd.Flags().StringVar(&opts.PersistTo, "persist-to", "", "directory for Durable Object storage (default .valet/state)")
	cmd.Flags().BoolVar(&opts.NoTUI, "no-tui", false, "plain log lines instead of the dashboard")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print events as JSON lines on stdout")
	cmd.Flags().BoolVar(&opts.TestScheduled, "test-scheduled", false, "serve /__scheduled?cron=... to run the worker's scheduled handler")
	cmd.Flags().StringArrayVar(&opts.Vars, "var", nil, "override a var for this session, as `KEY:VALUE` (repeatable)")
	return cmd
}

func devRun(ctx context.Context, opts *DevOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if (opts.Port < 0 && opts.Port != devserver.AnyPort) || opts.Port > 65535 {
		return cmdutil.Usagef("--port %d is not a port: use 1-65535", opts.Port)
	}
	vars, err := parseVars(opts.Vars)
	if err != nil {
		return err
	}
	p, err := opts.Project()
	if err != nil {
		return err
	}
	rebuild := make(chan struct{}, 1)
	mode := ui.ModeFor(opts.IO, opts.JSON, opts.NoTUI)
	return reported(ctx, devReporter(opts.IO, mode, p, opts.PersistTo, rebuild), mode, p, func(ctx context.Context, em *events.Emitter) error {
		err := devserver.Run(ctx, devserver.Options{Project: p, IP: opts.IP, Port: opts.Port, PersistTo: opts.PersistTo, Events: em, Rebuild: rebuild,
			TestScheduled: opts.TestScheduled, Vars: vars})
		if err != nil && ctx.Err() != nil {
			// Ctrl-C (or x in the dashboard) is how dev ends, also mid-build:
			// the step's line already says what was cut short.
			return nil
		}
		return err
	})
}

// parseVars reads --var KEY:VALUE flags (the value may hold colons).
func parseVars(flags []string) (map[string]string, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	vars := make(map[string]string, len(flags))
	for _, f := range flags {
		k, v, ok := strings.Cut(f, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, cmdutil.Usagef("--var %q is not KEY:VALUE: write e.g. --var API_HOST:localhost:9000", f)
		}
		vars[strings.TrimSpace(k)] = v
	}
	return vars, nil
}

// devReporter is the dev dashboard on a terminal, pkg/ui's plain or JSON
// lines otherwise. The dashboard's r key asks for a rebuild on rebuild.
func devReporter(io *iostreams.IOStreams, mode ui.Mode, p *config.Project, persistTo string, rebuild chan<- struct{}) ui.Reporter {
	if mode != ui.TUI {
		return ui.NewReporter(io, mode)
	}
	var secrets []string
	if vars, err := devvars.Load(p.Dir, p.Env); err == nil {
		secrets = vars.Keys() // names only: values are never shown
	}
	state := bindings.Context{PersistTo: persistDir(p, persistTo)}
	return dev.NewReporter(io, dev.Options{
		Bindings: dev.BindingsFrom(p.Config, secrets),
		State:    func() map[string]string { return bindings.States(p.Config, state) },
		Open:     dev.OpenBrowser,
		Rebuild: func() {
			select {
			case rebuild <- struct{}{}:
			default: // one is already queued
			}
		},
	})
}
