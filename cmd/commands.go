package cmd

import (
	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
)

// addCommands registers every subcommand. One line per command keeps merge
// conflicts between commands out of root.go.
func addCommands(root *cobra.Command, f *cmdutil.Factory) {
	_ = f
	root.AddCommand(NewCmdTypes(f, nil))
	root.AddCommand(NewCmdInit(f, nil))
	root.AddCommand(NewCmdBuild(f, nil))
	root.AddCommand(NewCmdDev(f, nil))
	root.AddCommand(NewCmdDeploy(f, nil))
	root.AddCommand(NewCmdVersions(f, nil))
	root.AddCommand(NewCmdStatus(f, nil))
	root.AddCommand(NewCmdRollback(f, nil))
	root.AddCommand(NewCmdDestroy(f, nil))
	root.AddCommand(NewCmdSecret(f, nil))
	root.AddCommand(NewCmdD1(f, nil))
	root.AddCommand(NewCmdR2(f, nil))
	root.AddCommand(NewCmdLogs(f, nil))
	root.AddCommand(NewCmdEdge(f, nil))
	root.AddCommand(NewCmdSecretsStore(f, nil))
}
