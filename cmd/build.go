package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// BuildOptions are the inputs of `valet build`.
type BuildOptions struct {
	IO      *iostreams.IOStreams
	Project func() (*config.Project, error)

	OutDir   string
	JSON     bool
	NoTUI    bool
	NoImages bool
}

// NewCmdBuild builds `valet build`.
func NewCmdBuild(f *cmdutil.Factory, runF func(*BuildOptions) error) *cobra.Command {
	opts := &BuildOptions{IO: f.IO, Project: projectLoader(f)}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Bundle the worker and the frontend, build the container images",
		Long: `Build the app into .valet/build (or --outdir): run build.command when set, bundle
the frontend (Vite-style, from frontend.entry) and the worker in-process with
esbuild, copy the assets, build each container's Dockerfile through the Docker
Engine API (no docker CLI or buildx needed), and write manifest.json with every
file's hash, the image IDs and the version digest that valet deploy uses.

Unchanged inputs are not rebuilt: an image whose inputs are the same is reused,
and bundles whose files did not change are kept.`,
		Example: `  valet build
  valet build --env staging --outdir /tmp/out
  valet build --json | jq .`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return buildRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.OutDir, "outdir", "", "where to write the build (default .valet/build beside the config)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print events as JSON lines on stdout")
	cmd.Flags().BoolVar(&opts.NoTUI, "no-tui", false, "plain progress lines even on a terminal")
	cmd.Flags().BoolVar(&opts.NoImages, "no-images", false, "skip the container images (no Docker Engine needed)")
	return cmd
}

func buildRun(ctx context.Context, opts *BuildOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	p, err := opts.Project()
	if err != nil {
		return err
	}
	return withReporter(ctx, opts.IO, opts.JSON, opts.NoTUI, p, func(ctx context.Context, em *events.Emitter) error {
		_, err := build.Run(ctx, build.Options{Project: p, OutDir: opts.OutDir, Events: em, SkipImages: opts.NoImages})
		return err
	})
}
