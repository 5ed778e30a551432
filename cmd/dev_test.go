package cmd

import (
	"maps"
	"slices"
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/iostreams"
)

func TestNewCmdDev_wranglerFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
	var got *DevOptions
	cmd := NewCmdDev(f, func(o *DevOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--test-scheduled", "--var", "API_HOST:localhost:9000", "--var", "DEBUG:true", "--no-crons"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.TestScheduled || !got.NoCrons || !slices.Equal(got.Vars, []string{"API_HOST:localhost:9000", "DEBUG:true"}) {
		t.Errorf("options %+v", got)
	}
	vars, err := parseVars(got.Vars)
	if err != nil || !maps.Equal(vars, map[string]string{"API_HOST": "localhost:9000", "DEBUG": "true"}) {
		t.Errorf("parseVars = %v, %v", vars, err)
	}
}

func Test_parseVars_bad(t *testing.T) {
	for _, bad := range []string{"NOVALUE", ":x"} {
		if _, err := parseVars([]string{bad}); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("--var %s: err %v, exit %d", bad, err, cmdutil.ExitCode(err))
		}
	}
}
