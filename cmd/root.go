// Package cmd holds valet's cobra commands. Each one parses its flags into an
// options struct and calls one entry point in pkg/.
package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// version is set by goreleaser through -ldflags.
var version = "dev"

// Execute runs valet with args and calls exit with the exit code.
func Execute(args []string, exit func(int)) {
	f := &cmdutil.Factory{IO: iostreams.System(), Version: version, Globals: &cmdutil.Globals{}}
	exit(Run(f, args))
}

// Run runs valet against the factory's streams and returns the exit code.
func Run(f *cmdutil.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return cmdutil.ExitOK
	}
	if wantsJSON(cmd, args) {
		// Programs reading stdout get the failure as the stream's last event.
		writeJSONError(f.IO.Out, err)
	}
	var silent *cmdutil.SilentError
	var shown *cmdutil.ShownError
	if !errors.As(err, &silent) && !errors.As(err, &shown) && !errors.Is(err, cmdutil.CancelError) {
		fmt.Fprintf(f.IO.ErrOut, "error: %s\n", err)
	}
	return cmdutil.ExitCode(err)
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	v := viper.New()
	root := &cobra.Command{
		Use:   "valet <command>",
		Short: "Build, run and deploy Workers-style apps on your own machines",
		Long: `valet builds, runs locally and deploys an app made of a frontend, an edge worker,
Durable Objects and the containers behind them, described in valet.jsonc
(or an existing wrangler.jsonc / wrangler.toml).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// Flags win over VALET_* variables (viper), which win over defaults.
			v.SetEnvPrefix("VALET")
			v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
			v.AutomaticEnv()
			if err := v.BindPFlags(cmd.Flags()); err != nil {
				return err
			}
			configs, err := configFlags(cmd, v)
			if err != nil {
				return err
			}
			if len(configs) > 0 {
				f.Globals.ConfigPath, f.Globals.MoreConfigs = configs[0], configs[1:]
			}
			f.Globals.Env = v.GetString("env")
			return nil
		},
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	root.SetFlagErrorFunc(flagError)
	root.PersistentFlags().StringArrayP("config", "c", nil, "path to valet.jsonc or wrangler.{jsonc,json,toml} (default: found walking up from the working directory); valet dev and valet types take it again for more workers")
	root.PersistentFlags().String("env", "", "environment from the config's \"env\" section")
	// --version is valet's own flag rather than cobra's: it also names the
	// workerd the project runs on, which cobra's template cannot compute.
	root.Flags().BoolP("version", "v", false, "print valet's version and the workerd it runs the app on")

	_ = root.RegisterFlagCompletionFunc("env", completeEnv)

	addCommands(root, f)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	// Unknown subcommands and bad args are usage errors (exit 2).
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(cmd, args[0])
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if v, _ := cmd.Flags().GetBool("version"); v {
			return versionRun(newVersionOptions(f))
		}
		return cmd.Help()
	}
	strictArgs(root)
	suggestWranglerNames(root)
	return root
}

// severalConfigs are the commands that take -c more than once, as
// wrangler's do: the first config is the app's, the others run beside it.
var severalConfigs = map[string]bool{"dev": true, "types": true}

// configFlags reads -c (given once, or several times for the commands of
// severalConfigs), else $VALET_CONFIG.
func configFlags(cmd *cobra.Command, v *viper.Viper) ([]string, error) {
	if !cmd.Flags().Changed("config") {
		// viper: $VALET_CONFIG, one path.
		if p := v.GetString("config"); p != "" && p != "[]" {
			return []string{p}, nil
		}
		return nil, nil
	}
	configs, err := cmd.Flags().GetStringArray("config")
	if err != nil {
		return nil, err
	}
	if len(configs) > 1 && !severalConfigs[cmd.Name()] {
		return nil, cmdutil.Usagef("-c is given %d times: only valet dev and valet types run several configs; give valet %s one", len(configs), cmd.Name())
	}
	return configs, nil
}

// moreProjects loads the configs of -c given again, for --env.
func moreProjects(f *cmdutil.Factory) func() ([]*config.Project, error) {
	return func() ([]*config.Project, error) {
		var out []*config.Project
		for _, path := range f.Globals.MoreConfigs {
			p, err := config.Load(config.LoadOptions{Path: path, Env: f.Globals.Env})
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
}

// projectLoader loads the config named by -c (or found walking up) for
// --env, when the command runs: flags are parsed by then.
func projectLoader(f *cmdutil.Factory) func() (*config.Project, error) {
	return func() (*config.Project, error) {
		return config.Load(config.LoadOptions{Path: f.Globals.ConfigPath, Env: f.Globals.Env})
	}
}
