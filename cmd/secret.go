package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui"
)

// SecretOptions are the inputs of `valet secret put/list/delete`.
type SecretOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)
	Host    string
	Verb    string // put, list, delete
	Name    string
	JSON    bool
	// ReadSecret reads the value; nil reads stdin (without echo on a terminal).
	ReadSecret func() (string, error)
}

// NewCmdSecret builds `valet secret`.
func NewCmdSecret(f *cmdutil.Factory, runF func(*SecretOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Manage secrets held on the host",
		Long: `Secrets live on the host, in a file only the edge reads. They reach the worker's
env (and the containers' envVars when the worker passes them on), never an image
layer, a log line or --json output. Changing one reloads the serving version.`,
		Example: `  printf %s "$TOKEN" | valet secret put API_TOKEN
  valet secret put API_TOKEN          # on a terminal: asks, without echo
  valet secret list --env production
  valet secret delete API_TOKEN`,
	}
	for _, verb := range []struct{ use, short string }{
		{"put NAME", "Store a secret; the value is read from stdin (no echo on a terminal)"},
		{"list", "List the secrets' names (never their values)"},
		{"delete NAME", "Remove a secret"},
	} {
		opts := &SecretOptions{IO: f.IO, Project: projectLoader(f)}
		name, _, _ := strings.Cut(verb.use, " ")
		opts.Verb = name
		args := cobra.ExactArgs(1)
		if name == "list" {
			args = cobra.NoArgs
		}
		sub := &cobra.Command{
			Use: verb.use, Short: verb.short, Args: args,
			RunE: func(cmd *cobra.Command, a []string) error {
				if len(a) == 1 {
					opts.Name = a[0]
				}
				if runF != nil {
					return runF(opts)
				}
				return secretRun(cmd.Context(), opts)
			},
		}
		sub.Flags().StringVar(&opts.Host, "host", "", "Docker Engine of the host (default every host of deploy.hosts, or deploy.host, else the local engine)")
		if name == "list" {
			sub.Flags().BoolVar(&opts.JSON, "json", false, "print the names as a JSON array")
		}
		cmd.AddCommand(sub)
	}
	return cmd
}

func secretRun(ctx context.Context, opts *SecretOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.Verb != "list" {
		// Before reading stdin or reaching the host: a bad name is a usage error.
		if err := edgehost.ValidSecretName(opts.Name); err != nil {
			return &cmdutil.UsageError{Err: err}
		}
	}
	c, err := hostConn(opts.Project, opts.Host)
	if err != nil {
		return err
	}
	// Plain lines on stderr: a lock taken over is worth a warning, and
	// the value is never an event.
	em := events.NewEmitter(ui.NewReporter(opts.IO, ui.Plain))
	switch opts.Verb {
	case "list":
		names, err := deploy.SecretNames(ctx, c, em)
		if err != nil {
			return err
		}
		if opts.JSON {
			if names == nil {
				names = []string{}
			}
			return json.NewEncoder(opts.IO.Out).Encode(names)
		}
		for _, n := range names {
			fmt.Fprintln(opts.IO.Out, n)
		}
		return nil
	case "delete":
		if err := deploy.SecretDelete(ctx, c, opts.Name, em); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "deleted secret %s\n", opts.Name)
		return nil
	}
	read := opts.ReadSecret
	if read == nil {
		read = func() (string, error) { return readSecret(opts.IO, opts.Name) }
	}
	value, err := read()
	if err != nil {
		return err
	}
	if err := deploy.SecretPut(ctx, c, opts.Name, value, em); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "stored secret %s\n", opts.Name)
	return nil
}

// readSecret reads the value: a line without echo on a terminal, all of
// stdin otherwise (one trailing newline dropped, as `echo x |` adds it).
func readSecret(io_ *iostreams.IOStreams, name string) (string, error) {
	if f, ok := io_.In.(*os.File); ok && io_.IsStdinTTY() {
		fmt.Fprintf(io_.ErrOut, "Value of %s: ", name)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(io_.ErrOut)
		if err != nil {
			return "", fmt.Errorf("read the secret: %w", err)
		}
		return string(b), nil
	}
	b, err := io.ReadAll(io_.In)
	if err != nil {
		return "", fmt.Errorf("read the secret from stdin: %w", err)
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if v == "" {
		return "", cmdutil.Usagef("no value for secret %s on stdin: pipe it in (printf %%s \"$VALUE\" | valet secret put %s)", name, name)
	}
	return v, nil
}

// warningsTo is the emitter of a command without progress output: only its
// warnings are shown, on w.
func warningsTo(w io.Writer) *events.Emitter {
	return events.NewEmitter(events.SinkFunc(func(e events.Event) {
		if e.Kind == events.Warning {
			fmt.Fprintln(w, "warning:", e.Message)
		}
	}))
}
