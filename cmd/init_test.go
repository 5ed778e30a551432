package cmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/scaffold/form"
)

func TestNewCmdInit(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		args string
		want InitOptions
		code int // exit code of the error; 0 for none
	}{
		{args: "", want: InitOptions{}},
		{args: "app", want: InitOptions{Dir: "app"}},
		{args: "app -t worker -n shop -y -f", want: InitOptions{Dir: "app", Template: "worker", Name: "shop", Yes: true, Force: true}},
		{args: "--template assets --name site --yes --force", want: InitOptions{Template: "assets", Name: "site", Yes: true, Force: true}},
		{args: "--install --git", want: InitOptions{Install: &yes, Git: &yes}},
		{args: "--no-install --no-git", want: InitOptions{Install: &no, Git: &no}},
		{args: "--install --no-install", code: 2},
		{args: "--git --no-git", code: 2},
		{args: "a b", code: 2},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
			var got *InitOptions
			cmd := NewCmdInit(f, func(o *InitOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tc.code != 0 {
				if cmdutil.ExitCode(err) != tc.code {
					t.Fatalf("err = %v (exit %d), want exit %d", err, cmdutil.ExitCode(err), tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if got.Dir != w.Dir || got.Template != w.Template || got.Name != w.Name || got.Yes != w.Yes || got.Force != w.Force ||
				!samePtr(got.Install, w.Install) || !samePtr(got.Git, w.Git) {
				t.Errorf("options = %+v, want %+v", *got, w)
			}
			if got.Prompt == nil || got.AfterCreate == nil {
				t.Error("Prompt or AfterCreate not wired")
			}
		})
	}
}

func samePtr(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// initTest returns options writing to buffers, whose prompt fails the test
// unless replaced.
func initTest(t *testing.T, tty bool) (*InitOptions, *strings.Builder) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	var log strings.Builder
	opts := &InitOptions{
		IO: ios,
		Prompt: func(context.Context, form.Options) (form.Answers, error) {
			t.Error("prompted")
			return form.Answers{}, errors.New("no prompt in this test")
		},
		AfterCreate: func(dir string) error { log.WriteString("after " + dir + "\n"); return nil },
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", errOut)
		}
	})
	return opts, &log
}

func stderrOf(opts *InitOptions) string {
	return opts.IO.ErrOut.(interface{ String() string }).String()
}

func Test_initRun_nonTTY(t *testing.T) {
	opts, log := initTest(t, false)
	opts.Dir = filepath.Join(t.TempDir(), "My Shop")
	no := false
	opts.Git = &no
	if err := initRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(opts.Dir, "valet.jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"name": "my-shop"`) {
		t.Error("name not derived from the directory")
	}
	if !strings.Contains(string(data), `"main": "worker/index.ts"`) {
		t.Error("not the container-app template")
	}
	if log.String() != "after "+opts.Dir+"\n" {
		t.Errorf("AfterCreate calls: %q", log.String())
	}
	stderr := stderrOf(opts)
	for _, want := range []string{"create | valet.jsonc", "npm install  skipped", "Next steps:", "  cd '" + opts.Dir + "'\n  npm install\n  valet dev\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(opts.Dir, ".git")); !os.IsNotExist(err) {
		t.Error("git init ran despite --no-git")
	}
	if out := opts.IO.Out.(interface{ String() string }).String(); out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
}

func Test_initRun_defaultDirIsTheName(t *testing.T) {
	t.Chdir(t.TempDir())
	opts, _ := initTest(t, false)
	opts.Name = "shop"
	opts.Template = "assets"
	no := false
	opts.Git = &no
	if err := initRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("shop", "public", "index.html")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(stderrOf(opts), "  cd shop\n  valet dev\n") {
		t.Error("next steps do not cd into shop")
	}

	opts, _ = initTest(t, false)
	opts.Git = &no
	if err := initRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("valet-app", "valet.jsonc")); err != nil {
		t.Error(err)
	}
}

func Test_initRun_TTYAsks(t *testing.T) {
	opts, _ := initTest(t, true)
	opts.Dir = filepath.Join(t.TempDir(), "app")
	var asked form.Options
	opts.Prompt = func(_ context.Context, o form.Options) (form.Answers, error) {
		asked = o
		return form.Answers{Name: "picked", Template: "worker", Install: false, Git: false}, nil
	}
	if err := initRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	want := form.Answers{Name: "app", Template: "container-app", Install: true, Git: true}
	if asked.Defaults != want {
		t.Errorf("defaults %+v, want %+v", asked.Defaults, want)
	}
	if len(asked.Templates) != 3 || asked.ValidateName == nil || asked.ValidateName("Bad Name") == nil {
		t.Errorf("form options %+v", asked)
	}
	data, _ := os.ReadFile(filepath.Join(opts.Dir, "valet.jsonc"))
	if !strings.Contains(string(data), `"name": "picked"`) || !strings.Contains(string(data), `"main": "src/index.ts"`) {
		t.Errorf("the answers were not used:\n%s", data)
	}
}

func Test_initRun_flagsSkipQuestions(t *testing.T) {
	for name, set := range map[string]func(*InitOptions){
		"yes":      func(o *InitOptions) { o.Yes = true },
		"template": func(o *InitOptions) { o.Template = "assets" },
		"name":     func(o *InitOptions) { o.Name = "x" },
	} {
		t.Run(name, func(t *testing.T) {
			opts, _ := initTest(t, true)
			opts.Dir = filepath.Join(t.TempDir(), "app")
			no := false
			opts.Git = &no
			set(opts)
			if err := initRun(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func Test_initRun_cancelWritesNothing(t *testing.T) {
	opts, log := initTest(t, true)
	opts.Dir = filepath.Join(t.TempDir(), "app")
	opts.Prompt = func(context.Context, form.Options) (form.Answers, error) { return form.Answers{}, cmdutil.CancelError }
	err := initRun(context.Background(), opts)
	if !errors.Is(err, cmdutil.CancelError) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(opts.Dir); !os.IsNotExist(err) {
		t.Errorf("%s exists after cancelling", opts.Dir)
	}
	if log.Len() != 0 {
		t.Error("AfterCreate ran")
	}
}

func Test_initRun_nonEmptyRefusedBeforeAsking(t *testing.T) {
	opts, _ := initTest(t, true)
	opts.Dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(opts.Dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := initRun(context.Background(), opts)
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
}

func Test_initRun_badInput(t *testing.T) {
	for name, set := range map[string]func(*InitOptions){
		"name":     func(o *InitOptions) { o.Name = "Bad_Name" },
		"template": func(o *InitOptions) { o.Template = "react" },
	} {
		t.Run(name, func(t *testing.T) {
			opts, _ := initTest(t, false)
			opts.Dir = filepath.Join(t.TempDir(), "app")
			set(opts)
			if err := initRun(context.Background(), opts); cmdutil.ExitCode(err) != 2 {
				t.Errorf("err = %v, want exit 2", err)
			}
			if _, err := os.Stat(opts.Dir); !os.IsNotExist(err) {
				t.Error("directory created")
			}
		})
	}
}

// Through the root command, as main runs it, with the real schema and
// types step.
func TestRunInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
	if code := Run(f, []string{"init", dir, "--template", "worker", "--no-git"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, p := range []string{"valet.jsonc", ".valet/valet.schema.json", "worker-configuration.d.ts", "src/index.ts"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
	if s := errOut.String(); !strings.Contains(s, "schema and types") || strings.Contains(s, "warning") {
		t.Errorf("stderr:\n%s", s)
	}

	errOut.Reset()
	if code := Run(f, []string{"init", dir, "--yes"}); code != 2 {
		t.Errorf("second init exit %d, want 2", code)
	}
	if s := errOut.String(); !strings.Contains(s, "not empty") || !strings.Contains(s, "--force") || !strings.Contains(s, dir) {
		t.Errorf("stderr: %s", s)
	}
	if code := Run(f, []string{"init", dir, "--yes", "--force", "--no-git"}); code != 0 {
		t.Errorf("--force exit %d: %s", code, errOut)
	}
}

// Every template loads without warnings and gets its types.
func TestInitTypes(t *testing.T) {
	for _, tmpl := range []string{"container-app", "worker", "assets"} {
		t.Run(tmpl, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "app")
			ios, _, _, errOut := iostreams.Test()
			f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
			if code := Run(f, []string{"init", dir, "-t", tmpl, "--no-git"}); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			got, err := os.ReadFile(filepath.Join(dir, "worker-configuration.d.ts"))
			if err != nil {
				t.Fatal(err)
			}
			if tmpl == "container-app" && !strings.Contains(string(got), "CONTAINER: DurableObjectNamespace") {
				t.Errorf("Env lacks CONTAINER:\n%.600s", got)
			}
		})
	}
}

// The real form, reading keys from the input as on a terminal.
func TestRunInit_TTYForm(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	ios, in, _, errOut := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStderrTTY(true)
	in.WriteString("shop\r\x1b[B\rnn")
	f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
	if code := Run(f, []string{"init", dir}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "valet.jsonc"))
	if !strings.Contains(string(data), `"name": "shop"`) || !strings.Contains(string(data), `"main": "src/index.ts"`) {
		t.Errorf("valet.jsonc:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); !os.IsNotExist(err) {
		t.Error("git init ran after answering no")
	}
}

func TestRunInit_TTYFormCancel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	ios, in, _, errOut := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStderrTTY(true)
	in.WriteString("sh\x03")
	f := &cmdutil.Factory{IO: ios, Globals: &cmdutil.Globals{}}
	if code := Run(f, []string{"init", dir}); code == 0 {
		t.Fatalf("exit 0 after ctrl+c: %s", errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("files written after ctrl+c")
	}
}
