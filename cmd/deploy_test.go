package cmd

import (
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/iostreams"
)

func TestNewCmdDeploy(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
	var got *DeployOptions
	cmd := NewCmdDeploy(f, func(o *DeployOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--host", "ssh://deploy@example.com", "--port", "8080", "--dry-run", "--json", "--ip", "127.0.0.1"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Host != "ssh://deploy@example.com" || got.Port != 8080 || !got.DryRun || !got.JSON || got.IP != "127.0.0.1" {
		t.Errorf("options %+v", got)
	}
}

func Test_deployRun_badPort(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := deployRun(nil, &DeployOptions{IO: ios, Port: 70000})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("err %v, exit %d", err, cmdutil.ExitCode(err))
	}
}

func TestNewCmdRollbackAndSecret(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
	var rb *RollbackOptions
	cmd := NewCmdRollback(f, func(o *RollbackOptions) error { rb = o; return nil })
	cmd.SetArgs([]string{"abc123", "--yes"})
	if err := cmd.Execute(); err != nil || rb.Version != "abc123" || !rb.Yes {
		t.Fatalf("rollback %+v %v", rb, err)
	}
	var so *SecretOptions
	sc := NewCmdSecret(f, func(o *SecretOptions) error { so = o; return nil })
	sc.SetArgs([]string{"put", "API_KEY", "--host", "unix:///x.sock"})
	if err := sc.Execute(); err != nil || so.Verb != "put" || so.Name != "API_KEY" || so.Host != "unix:///x.sock" {
		t.Fatalf("secret %+v %v", so, err)
	}
	sc.SetArgs([]string{"list", "--json"})
	if err := sc.Execute(); err != nil || so.Verb != "list" || !so.JSON {
		t.Fatalf("secret list %+v %v", so, err)
	}
}

func Test_readSecret(t *testing.T) {
	ios, stdin, _, _ := iostreams.Test()
	stdin.WriteString("s3cret\n")
	v, err := readSecret(ios, "X")
	if err != nil || v != "s3cret" {
		t.Fatalf("%q %v", v, err)
	}
	ios, _, _, _ = iostreams.Test()
	if _, err := readSecret(ios, "X"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("empty stdin: %v", err)
	}
}

func Test_destroyRun_needsYes(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	opts := &DestroyOptions{IO: ios, Project: projectLoader(&cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{ConfigPath: "testdata-none/valet.jsonc"}})}
	if err := destroyRun(nil, opts); err == nil {
		t.Fatal("destroy without a config or --yes succeeded")
	}
}

func TestNewCmdEdgeKeepsArgs(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
	var eo *EdgeOptions
	cmd := NewCmdEdge(f, func(o *EdgeOptions) error { eo = o; return nil })
	cmd.SetArgs([]string{"lock", "--token", "t", "--holder", "a@b"})
	if err := cmd.Execute(); err != nil || len(eo.Args) != 5 || eo.Args[1] != "--token" {
		t.Fatalf("%+v %v", eo, err)
	}
}
