package ci

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var cases = []struct {
	env  map[string]string
	want bool
}{
	{nil, false},
	{map[string]string{"CI": "true"}, true},
	{map[string]string{"CI": "1"}, true},
	{map[string]string{"CI": "yes"}, true},
	{map[string]string{"CI": "false"}, false},
	{map[string]string{"CI": "0"}, false},
	{map[string]string{"CI": ""}, false},
	{map[string]string{"CI": "0", "BUILD_NUMBER": "17"}, true},
	{map[string]string{"RUN_ID": "abc"}, true},
	{map[string]string{"BUILD_NUMBER": "false"}, false},
}

func TestEnabledIn(t *testing.T) {
	for _, c := range cases {
		if got := EnabledIn(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: Enabled = %v, want %v", c.env, got, c.want)
		}
	}
}

// TestShellAgrees runs .ci/lib.sh's is_ci over the same cases: the scripts
// and the Go code must never disagree on what CI means.
func TestShellAgrees(t *testing.T) {
	for _, c := range cases {
		cmd := exec.Command("bash", "-c", "source ../../../.ci/lib.sh && is_ci")
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		for k, v := range c.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		err := cmd.Run()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatal(err)
		}
		if got := err == nil; got != c.want {
			t.Errorf("%v: is_ci = %v, want %v (the Go rule)", c.env, got, c.want)
		}
	}
}

// TestOnePlace fails when code or a script reads CI by itself: a second
// reading is how CI=1 came to mean "not CI" for the engine tests. Go goes
// through Enabled (or pkg/iostreams, pkg/internal/testenv), the shell
// through .ci/lib.sh's is_ci. Setting CI (bench scripts do, for wrangler)
// is not reading it.
func TestOnePlace(t *testing.T) {
	root := "../../.."
	goRead := regexp.MustCompile(`(Getenv|LookupEnv)\("(CI|BUILD_NUMBER|RUN_ID)"\)`)
	shRead := regexp.MustCompile(`\$\{?(CI|BUILD_NUMBER|RUN_ID)\b`)
	allowed := map[string]bool{"pkg/internal/ci/ci.go": true, ".ci/lib.sh": true}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if n := d.Name(); n == "node_modules" || n == ".git" || n == "testdata" || (n == ".valet" && rel != ".") {
				return filepath.SkipDir
			}
			return nil
		}
		var re *regexp.Regexp
		switch {
		case strings.HasSuffix(p, ".go"):
			re = goRead
		case strings.HasSuffix(p, ".sh") || strings.HasPrefix(rel, ".ci/") || rel == "Makefile":
			re = shRead
		default:
			return nil
		}
		if allowed[rel] {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if re.MatchString(line) {
				t.Errorf("%s:%d reads CI by itself: %s\n  use ci.Enabled / testenv (Go) or is_ci from .ci/lib.sh (shell)", rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
