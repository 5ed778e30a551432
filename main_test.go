package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/valet-dev/valet/pkg/deploy"
	"github.com/valet-dev/valet/pkg/deploy/deploytest"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// TestMain lets the test binary act as the valet binary inside scripts:
// `exec valet …` (or plain `valet …`) runs main with its exit code kept.
// The scripts that deploy get a Docker Engine as pkg/ tests do
// (enginetest: DOCKER_HOST, or a private dockerd when root).
func TestMain(m *testing.M) {
	testscript.Main(withEngine{m}, map[string]func(){
		"valet": main,
	})
}

type withEngine struct{ m *testing.M }

func (w withEngine) Run() int { return enginetest.Run(w.m) }

// TestScripts runs every testdata/script/*.txtar: end-to-end tests of the
// real command line. Each script gets APP (an app name of its own), PORT (a
// free port on 127.0.0.1) and VALET_EDGE_BINARY (a static `valet edge` for
// the edge image: the test binary is not one); whatever a script deployed
// as $APP is removed when it ends. Conditions and commands beyond
// testscript's own:
//
//	[have:engine]     a Docker Engine answers at DOCKER_HOST
//	[have:PROG]       the program PROG is on PATH
//	                  Used as [!have:X] skip: under CI a missing part is an
//	                  error that fails the script instead (as testenv.Missing
//	                  does for pkg/ tests)
//	waitport ADDR [D] wait until ADDR (host:port) accepts TCP, up to D (default 10s)
//	exitcode N PROG [ARGS...]
//	                  run PROG like exec and fail unless it exits with code N
//	ptyexec [-within D] PROG [ARGS...]
//	                  run PROG on a pseudo-terminal that never answers
//	                  (pty_test.go); what it wrote goes to stdout
//	httpget URL [STATUS]
//	                  GET URL; the body goes to stdout; fails unless the status
//	                  is STATUS (default 200)
//	envsubst FILE...  replace $VAR and ${VAR} in each file with the script's variables
//	jsonl KIND [KEY:TYPE...]
//	                  every stdout line is a JSON object with a string "kind";
//	                  some line has kind KIND (* for any), and each such line
//	                  has every KEY, of TYPE (string, number, bool, object,
//	                  array); with !, no line has kind KIND
//	waitout [-t D] REGEXP PROG [ARGS...]
//	                  run PROG until its stdout matches REGEXP, up to D (default
//	                  30s), for what is written after the command that caused
//	                  it returned (a log line); its last output is kept
func TestScripts(t *testing.T) {
	edge, err := deploytest.BuildEdge(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") == "1",
		Setup:               func(env *testscript.Env) error { return setupScript(env, edge) },
		Condition:           scriptCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
			"waitport": cmdWaitport,
			"httpget":  cmdHTTPGet,
			"ptyexec":  cmdPtyexec,
			"envsubst": cmdEnvsubst,
			"jsonl":    cmdJSONL,
			"waitout":  cmdWaitout,
		},
	})
}

func setupScript(env *testscript.Env, edge string) error {
	// The variables a script sees from the outer environment; everything else
	// is testscript's clean slate.
	passThrough := []string{"DOCKER_HOST", "PATH", "GOCACHE", "GOPATH", "GOMODCACHE", "GOFLAGS", "GOPROXY", "CI", "BUILD_NUMBER", "RUN_ID",
		"VALET_WORKERD", "VALET_CACHE_DIR",
		"VALET_TEST_SSH_HOST", "VALET_TEST_SSH_KEY", "VALET_TEST_SSH_KNOWN_HOSTS"}
	home := env.WorkDir + "/home"
	if err := os.MkdirAll(home, 0o755); err != nil {
		return fmt.Errorf("make HOME for script: %w", err)
	}
	env.Setenv("HOME", home)
	env.Setenv("XDG_CONFIG_HOME", home+"/.config")
	env.Setenv("XDG_CACHE_HOME", home+"/.cache")
	env.Setenv("NO_COLOR", "1")
	env.Setenv("TERM", "dumb")
	for _, k := range passThrough {
		if v, ok := os.LookupEnv(k); ok {
			env.Setenv(k, v)
		}
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	app := "ts-" + hex.EncodeToString(b)
	port, err := freePort()
	if err != nil {
		return err
	}
	env.Setenv("APP", app)
	env.Setenv("PORT", strconv.Itoa(port))
	env.Setenv(deploy.EnvEdgeBinary, edge)
	env.Defer(func() { removeApp(env.T(), app) })
	return nil
}

// removeApp removes what a script deployed as app (its edge, its objects'
// containers, its state volume), also when the script failed half way.
func removeApp(t testscript.T, app string) {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: host})
	if err != nil {
		return // no engine: the script deployed nothing
	}
	defer e.Close()
	if _, err := e.Sweep(ctx, map[string]string{engine.LabelApp: app}); err != nil {
		t.Log("remove the containers of " + app + ": " + err.Error())
	}
	_, _ = e.Client().VolumeRemove(ctx, deploy.VolumeName(app), client.VolumeRemoveOptions{Force: true})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func scriptCondition(cond string) (bool, error) {
	what, ok := strings.CutPrefix(cond, "have:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q (known: have:engine, have:PROG)", cond)
	}
	var missing string
	if what == "engine" {
		if !engineAnswers(os.Getenv("DOCKER_HOST")) {
			missing = "a Docker Engine at DOCKER_HOST=" + os.Getenv("DOCKER_HOST")
		}
	} else if _, err := exec.LookPath(what); err != nil {
		missing = what + " (not on PATH)"
	}
	// iostreams reads CI by pkg/internal/ci's rule (CI=1 as CI=true).
	if missing != "" && iostreams.System().IsCI() {
		return false, fmt.Errorf("required under CI: %s", missing)
	}
	return missing == "", nil
}

// engineAnswers dials the engine's socket; a full API ping is the tests' job.
func engineAnswers(host string) bool {
	u, err := url.Parse(host)
	if err != nil || host == "" {
		return false
	}
	var conn net.Conn
	switch u.Scheme {
	case "unix":
		conn, err = net.DialTimeout("unix", u.Path, time.Second)
	case "tcp":
		conn, err = net.DialTimeout("tcp", u.Host, time.Second)
	default:
		return false
	}
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func cmdEnvsubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: envsubst FILE...")
	}
	for _, f := range args {
		p := ts.MkAbs(f)
		b, err := os.ReadFile(p)
		ts.Check(err)
		ts.Check(os.WriteFile(p, []byte(os.Expand(string(b), ts.Getenv)), 0o644))
	}
}

func cmdJSONL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: jsonl KIND [KEY:TYPE...]")
	}
	kind, fields := args[0], args[1:]
	out := strings.TrimRight(ts.ReadFile("stdout"), "\n")
	if out == "" {
		ts.Fatalf("jsonl: stdout is empty")
	}
	matched := 0
	for i, line := range strings.Split(out, "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			ts.Fatalf("jsonl: stdout line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		k, ok := obj["kind"].(string)
		if !ok {
			ts.Fatalf("jsonl: stdout line %d has no string \"kind\":\n%s", i+1, line)
		}
		if kind != "*" && k != kind {
			continue
		}
		matched++
		for _, f := range fields {
			key, typ, ok := strings.Cut(f, ":")
			if !ok {
				ts.Fatalf("jsonl: %q is not KEY:TYPE", f)
			}
			v, present := obj[key]
			if !present {
				ts.Fatalf("jsonl: stdout line %d (kind %s) has no %q:\n%s", i+1, k, key, line)
			}
			if got := jsonType(v); got != typ {
				ts.Fatalf("jsonl: stdout line %d (kind %s): %q is a %s, want a %s:\n%s", i+1, k, key, got, typ, line)
			}
		}
	}
	switch {
	case neg && matched > 0:
		ts.Fatalf("jsonl: %d stdout lines of kind %s, want none", matched, kind)
	case !neg && matched == 0:
		ts.Fatalf("jsonl: no stdout line of kind %s", kind)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "null"
}

func cmdWaitout(ts *testscript.TestScript, neg bool, args []string) {
	limit := 30 * time.Second
	if len(args) > 1 && args[0] == "-t" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		limit, args = d, args[2:]
	}
	if neg || len(args) < 2 {
		ts.Fatalf("usage: waitout [-t DURATION] REGEXP PROG [ARGS...]")
	}
	re, err := regexp.Compile("(?m)" + args[0])
	ts.Check(err)
	deadline := time.Now().Add(limit)
	for {
		err := ts.Exec(args[1], args[2:]...)
		out := ts.ReadFile("stdout")
		if err == nil && re.MatchString(out) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitout: %s's stdout did not match %q within %s (last error: %v):\n%s", args[1], args[0], limit, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("exitcode: run %s: %v", args[1], err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("exitcode: %s exited with %d, want %d", args[1], got, want)
	}
}

func cmdWaitport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitport HOST:PORT [DURATION]")
	}
	limit := 10 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		limit = d
	}
	deadline := time.Now().Add(limit)
	for {
		conn, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitport: %s did not accept a connection within %s: %v", args[0], limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: httpget URL [STATUS]")
	}
	want := http.StatusOK
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		want = n
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(args[0])
	if err != nil {
		if neg {
			return
		}
		ts.Fatalf("httpget %s: %v", args[0], err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	_, _ = ts.Stdout().Write(body)
	switch {
	case neg && resp.StatusCode == want:
		ts.Fatalf("httpget %s: status %d, want anything else", args[0], resp.StatusCode)
	case !neg && resp.StatusCode != want:
		ts.Fatalf("httpget %s: status %d, want %d\n%s", args[0], resp.StatusCode, want, body)
	}
}

// TestCISummary checks .ci/testsum.go, which turns `go test -json` into what
// CI reads: go test's package lines, failed tests' output, each skipped test
// by name with its reason, and the closing "tests: N passed, N failed, N
// skipped" line; with -strict (under CI) a skip alone fails the run.
func TestCISummary(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles .ci/testsum.go")
	}
	skipped := []string{
		`{"Action":"run","Package":"p/c","Test":"TestLater"}`,
		`{"Action":"output","Package":"p/c","Test":"TestLater","Output":"=== RUN   TestLater\n"}`,
		`{"Action":"output","Package":"p/c","Test":"TestLater","Output":"    c_test.go:7: chromium is not installed\n"}`,
		`{"Action":"output","Package":"p/c","Test":"TestLater","Output":"--- SKIP: TestLater (0.00s)\n"}`,
		`{"Action":"skip","Package":"p/c","Test":"TestLater"}`,
		`{"Action":"output","Package":"p/c","Output":"ok  \tp/c\t0.1s\n"}`,
		`{"Action":"pass","Package":"p/c"}`,
	}
	failed := []string{
		`{"Action":"start","Package":"p/a"}`,
		`{"Action":"run","Package":"p/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"p/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		`{"Action":"pass","Package":"p/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"p/a","Test":"TestBad","Output":"    a_test.go:9: boom\n"}`,
		`{"Action":"fail","Package":"p/a","Test":"TestBad"}`,
		`{"Action":"output","Package":"p/a","Output":"FAIL\tp/a\t0.1s\n"}`,
		`{"Action":"fail","Package":"p/a"}`,
		`{"Action":"output","Package":"p/b","Output":"ok  \tp/b\t0.2s\n"}`,
		`{"Action":"pass","Package":"p/b"}`,
		`go: downloading example.com/x v1.0.0`,
	}
	for _, c := range []struct {
		name  string
		args  []string
		input []string
		exit  int
		wants []string
	}{
		{"a failure", nil, append(failed, skipped...), 1, []string{"a_test.go:9: boom", "FAIL\tp/a\t0.1s", "ok  \tp/b\t0.2s",
			"go: downloading", "FAILED packages:\n  p/a", "SKIPPED tests:\n  p/c TestLater: c_test.go:7: chromium is not installed\n",
			"\ntests: 1 passed, 1 failed, 1 skipped\n"}},
		{"a skip outside CI", nil, skipped, 0, []string{"SKIPPED tests:\n  p/c TestLater: c_test.go:7: chromium is not installed\n",
			"\ntests: 0 passed, 0 failed, 1 skipped\n"}},
		{"a skip under CI", []string{"-strict"}, skipped, 1, []string{"SKIPPED tests (a failure under CI",
			"p/c TestLater: c_test.go:7: chromium is not installed\n", "\ntests: 0 passed, 0 failed, 1 skipped\n"}},
	} {
		cmd := exec.Command("go", append([]string{"run", ".ci/testsum.go"}, c.args...)...)
		cmd.Stdin = strings.NewReader(strings.Join(c.input, "\n"))
		out, err := cmd.Output()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.exit {
			t.Errorf("%s: testsum exit = %d, want %d", c.name, code, c.exit)
		}
		for _, want := range c.wants {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: testsum output lacks %q:\n%s", c.name, want, out)
			}
		}
	}
}

// TestRaceListed: a test whose comment says it is meant for -race runs
// under -race in CI, which runs the packages of .ci/race.list so.
func TestRaceListed(t *testing.T) {
	b, err := os.ReadFile(".ci/race.list")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "-skip ") {
			patterns = append(patterns, strings.TrimPrefix(l, "./"))
		}
	}
	listed := func(dir string) bool {
		for _, p := range patterns {
			if base, ok := strings.CutSuffix(p, "/..."); ok && (dir == base || strings.HasPrefix(dir, base+"/")) || dir == p {
				return true
			}
		}
		return false
	}
	meant := regexp.MustCompile(`//.*\B-race\b`)
	found := 0
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "node_modules" || n == "testdata" || (strings.HasPrefix(n, ".") && p != ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, "_test.go") || p == "main_test.go" {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if meant.Match(src) {
			found++
			if dir := filepath.ToSlash(filepath.Dir(p)); !listed(dir) {
				t.Errorf("%s has a test meant for -race, but ./%s is not in .ci/race.list: CI would never run it under -race", p, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Error("no test says it is meant for -race: the pattern no longer matches their comments")
	}
}
