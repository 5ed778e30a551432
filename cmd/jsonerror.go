package cmd

import (
	"encoding/json"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
)

// wantsJSON reports whether the command that failed was asked for --json,
// also when flag parsing stopped before reaching it.
func wantsJSON(cmd *cobra.Command, args []string) bool {
	if cmd == nil {
		return false
	}
	fl := cmd.Flags().Lookup("json")
	if fl == nil {
		return false
	}
	if fl.Changed {
		return fl.Value.String() == "true"
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" || a == "--json=true" {
			return true
		}
	}
	return false
}

// jsonError is the last line of a failed command's --json output: the shape
// of pkg/ui's events, kind "error", with the exit code.
type jsonError struct {
	Time     string `json:"time"`
	Kind     string `json:"kind"`
	Error    string `json:"error"`
	ExitCode int    `json:"exit_code"`
}

func writeJSONError(w io.Writer, err error) {
	_ = json.NewEncoder(w).Encode(jsonError{
		Time:     time.Now().UTC().Format(time.RFC3339Nano),
		Kind:     "error",
		Error:    err.Error(),
		ExitCode: cmdutil.ExitCode(err),
	})
}

// completeEnv completes --env with the environments of the config that -c
// names (or that is found from the working directory).
func completeEnv(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	// The first -c is the app's (the others are more workers of valet dev).
	var path string
	if configs, _ := cmd.Flags().GetStringArray("config"); len(configs) > 0 {
		path = configs[0]
	}
	p, err := config.Load(config.LoadOptions{Path: path})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	// Load resolves the top level and drops "env"; the file still has it.
	c, _, err := config.Parse(p.Path, p.Raw)
	if err != nil || c == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for name := range c.Env {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// printJSON writes v to out as indented JSON: the --json form of a
// command's data.
func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
