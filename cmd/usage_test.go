package cmd

import (
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// runValet runs the command line against buffers: exit code, stdout, stderr.
func runValet(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code := Run(&cmdutil.Factory{IO: ios, Version: "test", Globals: &cmdutil.Globals{}}, args)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"buld"}, []string{`unknown command "buld" for "valet"`, `did you mean "build"?`}},
		{[]string{"tail"}, []string{`did you mean "logs"?`}},
		{[]string{"secret", "nope"}, []string{`unknown command "nope" for "valet secret"`}},
		{[]string{"dev", "--port", "x"}, []string{`invalid value "x" for --port: want a whole number`}},
		{[]string{"dev", "--no-tui=perhaps"}, []string{`invalid value "perhaps" for --no-tui: want true or false`}},
		{[]string{"dev", "--ip"}, []string{`--ip needs a value: address to listen on`}},
		{[]string{"build", "--frob"}, []string{`unknown flag: --frob for valet build`, "run `valet build --help`"}},
		{[]string{"rollback", "a", "b"}, []string{`valet rollback takes at most 1 argument (VERSION), got 2: "a b"`, "usage: valet rollback [VERSION] [flags]"}},
		{[]string{"secret", "delete"}, []string{"valet secret delete needs NAME"}},
		{[]string{"versions", "x"}, []string{`valet versions takes no arguments, got "x"`}},
		{[]string{"build", "-c", "a.jsonc", "-c", "b.jsonc"}, []string{"-c is given 2 times: only valet dev and valet types run several configs; give valet build one"}},
	} {
		code, out, errOut := runValet(t, tc.args...)
		if code != cmdutil.ExitUsage {
			t.Errorf("valet %s: exit %d, want 2", strings.Join(tc.args, " "), code)
		}
		if out != "" {
			t.Errorf("valet %s: stdout %q, want nothing", strings.Join(tc.args, " "), out)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("valet %s: stderr lacks %q:\n%s", strings.Join(tc.args, " "), w, errOut)
			}
		}
		if strings.Count(errOut, "error: ") != 1 || strings.Contains(errOut, "strconv") {
			t.Errorf("valet %s: want one error and no Go internals:\n%s", strings.Join(tc.args, " "), errOut)
		}
	}
}

func TestGroupWithoutArgsShowsHelp(t *testing.T) {
	code, out, _ := runValet(t, "secret")
	if code != 0 || !strings.Contains(out, "Available Commands:") {
		t.Errorf("valet secret: exit %d, stdout:\n%s", code, out)
	}
}

func TestEveryCommandHasExamples(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(&cmdutil.Factory{IO: ios, Version: "test", Globals: &cmdutil.Globals{}})
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("valet %s --help has no examples", c.Name())
		}
	}
}
