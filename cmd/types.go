package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/typegen"
	"github.com/valet-dev/valet/schema"
)

// TypesOptions are the inputs of `valet types`.
type TypesOptions struct {
	IO *iostreams.IOStreams
	// Project loads the config for the environment chosen by --env.
	Project func() (*config.Project, error)
	// Others loads the configs of -c given again: service bindings to
	// their workers are typed by their exports, as wrangler types -c a -c b.
	Others func() ([]*config.Project, error)
	// Configs are the -c flags as given, for the file's header.
	Configs func() []string

	Check          bool
	Output         string // --output, relative to the working directory
	IncludeRuntime bool   // --include-runtime, default true
}

// NewCmdTypes builds `valet types`.
func NewCmdTypes(f *cmdutil.Factory, runF func(*TypesOptions) error) *cobra.Command {
	opts := &TypesOptions{
		IO:      f.IO,
		Project: projectLoader(f),
		Others:  moreProjects(f),
		Configs: func() []string {
			if len(f.Globals.MoreConfigs) == 0 {
				return nil
			}
			return append([]string{f.Globals.ConfigPath}, f.Globals.MoreConfigs...)
		},
	}
	cmd := &cobra.Command{
		Use:   "types",
		Short: "Write worker-configuration.d.ts: the Env interface and valet's runtime API",
		Long: `Write worker-configuration.d.ts beside the config: interface Env typed from the
config's bindings (vars as literal types, Durable Object namespaces typed by
their class, the assets Fetcher, and the names of the secrets in .dev.vars or
.env, never their values), followed by declarations of the runtime API valet
provides, so the worker type-checks with tsc and no @cloudflare/workers-types.

Without --env, Env covers the top level and every named environment, which
also get their own interface (env "staging" → Cloudflare.StagingEnv).
The first line carries a hash of the inputs; --check compares it and exits 1
when the file is missing or stale, writing nothing.`,
		Example: `  valet types
  valet types --env staging
  valet types --check          # in CI: fail when the file needs regenerating
  valet types --output src/env.d.ts
  valet types -c wrangler.jsonc -c ../api/wrangler.jsonc   # type service bindings to the api worker`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return typesRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Check, "check", false, "exit 1 when the file is missing or stale, writing nothing")
	cmd.Flags().BoolVar(&opts.IncludeRuntime, "include-runtime", true, "append valet's runtime declarations (false: keep @cloudflare/workers-types for those)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "file to write (default: worker-configuration.d.ts beside the config)")
	return cmd
}

func typesRun(opts *TypesOptions) error {
	p, err := opts.Project()
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		fmt.Fprintln(opts.IO.ErrOut, w.String())
	}
	gen, err := typegen.ProjectOptions(p)
	if err != nil {
		return err
	}
	if opts.Output != "" {
		if gen.Output, err = filepath.Abs(opts.Output); err != nil {
			return fmt.Errorf("--output %s: %w", opts.Output, err)
		}
	}
	gen.OmitRuntime = !opts.IncludeRuntime
	if opts.Others != nil {
		others, err := opts.Others()
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.Config.Main == "" || o.Config.Name == "" {
				continue // nothing to type a binding to it by
			}
			if gen.Workers == nil {
				gen.Workers = map[string]string{}
			}
			gen.Workers[o.Config.Name] = o.Abs(o.Config.Main)
		}
	}
	if opts.Configs != nil {
		gen.WorkerConfigs = opts.Configs()
	}
	gen.WriteSchema = schema.WriteCopy

	res, err := typegen.Run(gen, opts.Check)
	if err != nil {
		return err
	}
	name := displayPath(res.Path)
	switch {
	case opts.Check && res.Stale:
		return fmt.Errorf("%s is stale (missing, or generated from another config, environment or set of secrets): run `%s` to regenerate it", name, regenerateCommand(p.Env, opts))
	case opts.Check:
		fmt.Fprintf(opts.IO.ErrOut, "%s is up to date\n", name)
	case res.Changed:
		fmt.Fprintf(opts.IO.ErrOut, "Wrote %s (interface Env: %d bindings)\n", name, len(res.Env))
	default:
		fmt.Fprintf(opts.IO.ErrOut, "%s is up to date (interface Env: %d bindings)\n", name, len(res.Env))
	}
	return nil
}

// displayPath shows path relative to the working directory when it is
// below it.
func displayPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || filepath.IsAbs(rel) || (len(rel) >= 2 && rel[:2] == "..") {
		return path
	}
	return rel
}

func regenerateCommand(env string, opts *TypesOptions) string {
	c := "valet types"
	if env != "" {
		c += " --env " + env
	}
	if opts.Output != "" {
		c += " --output " + opts.Output
	}
	if !opts.IncludeRuntime {
		c += " --include-runtime=false"
	}
	return c
}
