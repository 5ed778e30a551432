package cmd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/valet-dev/valet/pkg/cmdutil"
)

// flagError turns pflag's parse errors into usage errors (exit 2) that name
// the flag, the value, what it takes and where to look, without strconv's
// internals.
func flagError(cmd *cobra.Command, err error) error {
	help := fmt.Sprintf("run `%s --help` for the flags", cmd.CommandPath())
	var invalid *pflag.InvalidValueError
	if errors.As(err, &invalid) {
		fl := invalid.GetFlag()
		return cmdutil.Usagef("invalid value %q for --%s: %s\n    hint: %s", invalid.GetValue(), fl.Name, wantOf(fl, invalid.Unwrap()), help)
	}
	var missing *pflag.ValueRequiredError
	if errors.As(err, &missing) {
		fl := missing.GetFlag()
		return cmdutil.Usagef("--%s needs a value: %s\n    hint: pass it as --%s VALUE or --%s=VALUE", fl.Name, fl.Usage, fl.Name, fl.Name)
	}
	var unknown *pflag.NotExistError
	if errors.As(err, &unknown) || strings.HasPrefix(err.Error(), "unknown ") {
		return cmdutil.Usagef("%s for %s\n    hint: %s", err, cmd.CommandPath(), help)
	}
	return cmdutil.Usagef("%s\n    hint: %s", err, help)
}

// wantOf says what a flag of fl's type accepts.
func wantOf(fl *pflag.Flag, cause error) string {
	switch fl.Value.Type() {
	case "int", "int64", "int32", "uint", "uint16":
		var num *strconv.NumError
		if errors.As(cause, &num) && errors.Is(num.Err, strconv.ErrRange) {
			return "out of range"
		}
		return "want a whole number"
	case "bool":
		return "want true or false (or give the flag alone)"
	case "duration":
		return "want a duration such as 30s or 5m"
	}
	if cause != nil {
		return cause.Error()
	}
	return "not accepted"
}

// strictArgs makes every command's argument errors usage errors (exit 2)
// that say what the command takes, and gives command groups (valet secret)
// an "unknown command" error instead of their help with exit 0.
func strictArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		strictArgs(sub)
	}
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		}
		return
	}
	if c.Args == nil || c.DisableFlagParsing {
		return
	}
	check := c.Args
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			var usage *cmdutil.UsageError
			if errors.As(err, &usage) {
				return err
			}
			return argsError(cmd, args)
		}
		return nil
	}
}

// argsError explains a wrong number of arguments from the command's usage
// line ("rollback [VERSION]", "secret put NAME").
func argsError(cmd *cobra.Command, args []string) error {
	var required, optional []string
	for _, w := range strings.Fields(cmd.Use)[1:] {
		switch {
		case strings.HasPrefix(w, "["):
			optional = append(optional, strings.Trim(w, "[]."))
		default:
			required = append(required, w)
		}
	}
	path := cmd.CommandPath()
	usage := fmt.Sprintf("\n    usage: %s (run `%s --help` for more)", cmd.UseLine(), path)
	switch {
	case len(args) < len(required):
		return cmdutil.Usagef("%s needs %s%s", path, strings.Join(required[len(args):], " and "), usage)
	case len(required) == 0 && len(optional) == 0:
		if cmd.HasSubCommands() {
			return unknownCommand(cmd, args[0])
		}
		return cmdutil.Usagef("%s takes no arguments, got %q%s", path, strings.Join(args, " "), usage)
	}
	return cmdutil.Usagef("%s takes %s, got %d: %q%s", path, argsCount(required, optional), len(args), strings.Join(args, " "), usage)
}

func argsCount(required, optional []string) string {
	all := strings.Join(append(append([]string{}, required...), optional...), " ")
	n := len(required) + len(optional)
	if len(optional) > 0 {
		return fmt.Sprintf("at most %d argument%s (%s)", n, plural(n), all)
	}
	return fmt.Sprintf("%d argument%s (%s)", n, plural(n), all)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// unknownCommand names the closest subcommands, as cobra does for the root.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf("\n    hint: did you mean %q?", s[0])
	} else {
		msg += fmt.Sprintf("\n    hint: run `%s --help` for the commands", cmd.CommandPath())
	}
	return cmdutil.Usagef("%s", msg)
}

// wranglerNames are what people coming from wrangler, Kamal or flyctl type,
// suggested as the valet command that does it.
func wranglerNames() map[string][]string {
	return map[string][]string{
		"deploy":   {"publish", "up", "launch"},
		"logs":     {"tail"},
		"versions": {"deployments", "releases"},
		"destroy":  {"delete", "remove"},
		"init":     {"create", "generate", "new"},
		"types":    {"typegen"},
	}
}

func suggestWranglerNames(root *cobra.Command) {
	names := wranglerNames()
	for _, c := range root.Commands() {
		c.SuggestFor = append(c.SuggestFor, names[c.Name()]...)
	}
}
