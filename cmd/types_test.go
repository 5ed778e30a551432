package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/iostreams"
)

func TestNewCmdTypes(t *testing.T) {
	for _, tc := range []struct {
		args      string
		check     bool
		output    string
		noRuntime bool
		err       bool
	}{
		{args: ""},
		{args: "--check", check: true},
		{args: "--output src/env.d.ts", output: "src/env.d.ts"},
		{args: "-o x.d.ts --check", check: true, output: "x.d.ts"},
		{args: "--include-runtime=false", noRuntime: true},
		{args: "extra", err: true},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
			var got *TypesOptions
			cmd := NewCmdTypes(f, func(o *TypesOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tc.err {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Check != tc.check || got.Output != tc.output || got.IncludeRuntime == tc.noRuntime {
				t.Errorf("options = %+v, want check %v output %q", got, tc.check, tc.output)
			}
		})
	}
}

// typesProject copies the reference fixture and returns the path of its config.
func typesProject(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "testdata", "typegen", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "valet.jsonc")
}

func Test_typesRun(t *testing.T) {
	path := typesProject(t)
	dir := filepath.Dir(path)
	ios, _, stdout, stderr := iostreams.Test()
	opts := &TypesOptions{
		IO:      ios,
		Project: func() (*config.Project, error) { return config.Load(config.LoadOptions{Path: path}) },
	}
	if err := typesRun(opts); err != nil {
		t.Fatal(err)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing (status goes to stderr)", stdout)
	}
	if !strings.Contains(stderr.String(), "Wrote ") || !strings.Contains(stderr.String(), "9 bindings") {
		t.Errorf("stderr = %q", stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "worker-configuration.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "reference-secret-value-4f1c") {
		t.Error("a secret's value reached the declaration file")
	}
	if _, err := os.Stat(filepath.Join(dir, ".valet", "valet.schema.json")); err != nil {
		t.Errorf("schema copy not written: %v", err)
	}

	stderr.Reset()
	opts.Check = true
	if err := typesRun(opts); err != nil || !strings.Contains(stderr.String(), "up to date") {
		t.Errorf("check after write: %v, stderr %q", err, stderr)
	}
}

// The exit codes through the root command: 0 written or current, 1 stale,
// 2 for an environment the config does not define.
func TestTypesExitCodes(t *testing.T) {
	path := typesProject(t)
	dir := filepath.Dir(path)
	out := filepath.Join(dir, "worker-configuration.d.ts")
	run := func(args ...string) (int, string) {
		ios, _, _, stderr := iostreams.Test()
		f := &cmdutil.Factory{IO: ios, Version: "test", Globals: &cmdutil.Globals{}}
		code := Run(f, append([]string{"-c", path}, args...))
		return code, stderr.String()
	}

	if code, msg := run("types", "--check"); code != 1 || !strings.Contains(msg, "is stale") || !strings.Contains(msg, "run `valet types`") {
		t.Errorf("check without a file: exit %d, %q; want 1 and a hint", code, msg)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("--check wrote the file")
	}
	if code, msg := run("types"); code != 0 {
		t.Fatalf("types: exit %d: %s", code, msg)
	}
	if code, msg := run("types", "--check"); code != 0 {
		t.Errorf("check after types: exit %d: %s", code, msg)
	}
	if code, msg := run("--env", "staging", "types", "--check"); code != 1 || !strings.Contains(msg, "valet types --env staging") {
		t.Errorf("check for another env: exit %d, %q; want 1", code, msg)
	}

	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(cfg), `"API_VERSION": "v1"`, `"API_VERSION": "v3"`, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _ := run("types", "--check"); code != 1 {
		t.Errorf("check after a config edit: exit %d, want 1", code)
	}
	if code, msg := run("--env", "nope", "types"); code != 2 || !strings.Contains(msg, `"nope"`) {
		t.Errorf("unknown env: exit %d, %q; want 2", code, msg)
	}
	if code, _ := run("types"); code != 0 {
		t.Fatal("types after the edit failed")
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), `API_VERSION: "v3" | "v2";`) {
		t.Errorf("regenerated file lacks the edited var:\n%.800s", data)
	}
}

// valet types -c a -c b types the service bindings to b's worker by its
// exports, as wrangler types -c a -c b does, and says so in the header.
func TestTypesSeveralConfigs(t *testing.T) {
	src, err := filepath.Abs(filepath.Join("..", "testdata", "typegen", "async"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runValet(t, "types", "-c", filepath.Join(dir, "wrangler.jsonc"), "-c", filepath.Join(dir, "api", "wrangler.jsonc"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "worker-configuration.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`API: Service<typeof import("./api/src/index").default>;`,
		`API_ADMIN: Service<typeof import("./api/src/index").Admin>;`,
		"-c " + filepath.Join(dir, "api", "wrangler.jsonc") + "`",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the file lacks %q:\n%s", want, data)
		}
	}
}
