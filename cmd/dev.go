package cmd

import (
	"context"
	"strings"
	"time"

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
	// Others loads the configs of -c given again: their workers run beside
	// the app's, as with wrangler dev -c a -c b.
	Others func() ([]*config.Project, error)

	IP        string
	Port      int
	PersistTo string
	NoTUI     bool
	JSON      bool
	// TestScheduled serves /__scheduled (wrangler's --test-scheduled).
	TestScheduled bool
	// Vars are --var KEY:VALUE, overriding the config's vars.
	Vars []string
	// NoCrons leaves triggers.crons to /cdn-cgi/handler/scheduled.
	NoCrons bool
}

// NewCmdDev builds `valet dev`.
func NewCmdDev(f *cmdutil.Factory, runF func(*DevOptions) error) *cobra.Command {
	opts := &DevOptions{IO: f.IO, Project: projectLoader(f), Others: moreProjects(f)}
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
Cron triggers also run on their schedule, as they do on a host (wrangler dev
runs them only when asked); --no-crons leaves them to those two routes.

Given -c again, valet dev runs the worker of each config beside the first one's,
in one session, as wrangler dev does: the first is served on the port, the
others are reached through service bindings (and share its queues), each with
its own bundle, vars, secrets and Durable Objects, each rebuilt when its files
change. A service binding to a worker no config names answers as wrangler's
does for a worker that is not running.

Ctrl-C (or SIGTERM, or SIGHUP when the terminal goes away) stops the server and
removes every container it started. At start, it removes the containers that a
killed valet dev of the app left behind, never those of one still running.`,
		Example: `  valet dev
  valet dev --port 3000 --env staging
  valet dev --no-tui | tee dev.log
  valet dev --test-scheduled   # then: curl "http://127.0.0.1:8787/__scheduled?cron=*+*+*+*+*"
  valet dev --var API_HOST:localhost:9000 --var DEBUG:true
  valet dev -c wrangler.jsonc -c ../api/wrangler.jsonc   # two workers, service bindings between them
  valet dev --no-crons`,
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
	cmd.Flags().BoolVar(&opts.NoCrons, "no-crons", false, "do not run triggers.crons on their schedule (they still run through /cdn-cgi/handler/scheduled)")
	return cmd
}

func devRun(ctx context.Context, opts *DevOptions) error {
	serverRuntime()
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
	var others []*config.Project
	if opts.Others != nil {
		if others, err = opts.Others(); err != nil {
			return err
		}
	}
	rebuild := make(chan struct{}, 1)
	mode := ui.ModeFor(opts.IO, opts.JSON, opts.NoTUI)
	return reported(ctx, devReporter(opts.IO, mode, p, devState{persistTo: opts.PersistTo, noCrons: opts.NoCrons}, rebuild), mode, p, func(ctx context.Context, em *events.Emitter) error {
		err := devserver.Run(ctx, devserver.Options{Project: p, IP: opts.IP, Port: opts.Port, PersistTo: opts.PersistTo, Events: em, Rebuild: rebuild,
			TestScheduled: opts.TestScheduled, Vars: vars, Others: others, NoCrons: opts.NoCrons})
		if err != nil && ctx.Err() != nil {
			// Ctrl-C (or x in the dashboard) is how dev ends, also mid-build:
			// the step's line already says what was cut short.
			return nil
		}
		return err
	})
}

// devState is what the dashboard needs to read the bindings' state.
type devState struct {
	persistTo string
	noCrons   bool
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
func devReporter(io *iostreams.IOStreams, mode ui.Mode, p *config.Project, st devState, rebuild chan<- struct{}) ui.Reporter {
	if mode != ui.TUI {
		return ui.NewReporter(io, mode)
	}
	var secrets []string
	if vars, err := devvars.Load(p.Dir, p.Env); err == nil {
		secrets = vars.Keys() // names only: values are never shown
	}
	state := bindings.Context{PersistTo: persistDir(p, st.persistTo), NoCrons: st.noCrons}
	return dev.NewReporter(io, dev.Options{
		Bindings: dev.BindingsFrom(p.Config, secrets),
		State:    func() map[string]string { return bindings.States(p.Config, state) },
		// Queues drain and crons run between requests.
		Refresh: 2 * time.Second,
		Open:    dev.OpenBrowser,
		Rebuild: func() {
			select {
			case rebuild <- struct{}{}:
			default: // one is already queued
			}
		},
	})
}
