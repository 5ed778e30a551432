package scaffold

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testenv"
)

func TestLogWriter(t *testing.T) {
	rec := &events.Recorder{}
	w := newLogWriter(events.NewEmitter(rec), StepInstall, "npm")
	for _, chunk := range []string{"one\ntw", "o\r\n\n", "⸨░░⸩ idealTree\rdone\n", "tail"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	var got []string
	for _, e := range rec.Events() {
		if e.Kind != events.Log || e.Source != "npm" || e.Step != StepInstall {
			t.Errorf("event %+v", e)
		}
		got = append(got, e.Message)
	}
	if want := []string{"one", "two", "done", "tail"}; !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}

// gitEnv isolates git from the machine's configuration and gives it an
// identity (or none).
func gitEnv(t *testing.T, identity bool) {
	testenv.LookPath(t, "git")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("EMAIL", "")
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"} {
		v := ""
		switch {
		case identity && strings.HasSuffix(k, "EMAIL"):
			v = "test@example.com"
		case identity:
			v = "Test"
		}
		t.Setenv(k, v)
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestCreate_gitInitAndCommit(t *testing.T) {
	gitEnv(t, true)
	dir := filepath.Join(t.TempDir(), "app")
	res, evs := create(t, Options{Dir: dir, Name: "app", Template: "container-app", Git: true, Exec: SystemExec})
	if !res.Git {
		t.Fatalf("git not initialised; events %+v", evs)
	}
	if got := gitOut(t, dir, "log", "--format=%s"); got != "Initial commit (valet init)" {
		t.Errorf("log = %q", got)
	}
	files := gitOut(t, dir, "ls-files", "-s", "backend/build.sh")
	if !strings.HasPrefix(files, "100755") {
		t.Errorf("build.sh committed as %q, want mode 100755", files)
	}
	if status := gitOut(t, dir, "status", "--porcelain"); status != "" {
		t.Errorf("work tree not clean after the first commit:\n%s", status)
	}
}

func TestCreate_gitWithoutIdentityStages(t *testing.T) {
	gitEnv(t, false)
	// Without user.useConfigOnly git may invent an identity from the host
	// name; forbid that so the test means the same everywhere.
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	mustWrite(t, cfg, "[user]\n\tuseConfigOnly = true\n")
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)

	dir := filepath.Join(t.TempDir(), "app")
	res, evs := create(t, Options{Dir: dir, Name: "app", Template: "assets", Git: true, Exec: SystemExec})
	if !res.Git {
		t.Fatalf("git not initialised; events %+v", evs)
	}
	if staged := gitOut(t, dir, "diff", "--cached", "--name-only"); !strings.Contains(staged, "valet.jsonc") {
		t.Errorf("staged: %q", staged)
	}
	var told bool
	for _, e := range evs {
		told = told || (e.Kind == events.Info && strings.Contains(e.Message, "staged, not committed"))
	}
	if !told {
		t.Error("no event says the files were not committed")
	}
}

func TestCreate_gitSkippedInsideRepository(t *testing.T) {
	gitEnv(t, true)
	repo := t.TempDir()
	gitOut(t, repo, "init", "--quiet")
	dir := filepath.Join(repo, "apps", "site")
	res, evs := create(t, Options{Dir: dir, Name: "site", Template: "assets", Git: true, Exec: SystemExec})
	if res.Git {
		t.Error("git init ran inside a repository")
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); !os.IsNotExist(err) {
		t.Errorf(".git in %s: %v", dir, err)
	}
	var skipped bool
	for _, e := range evs {
		skipped = skipped || (e.Kind == events.StepSkipped && e.Step == StepGit)
	}
	if !skipped {
		t.Error("no step_skipped event for git")
	}
}

func TestCreate_gitMissingIsSkipped(t *testing.T) {
	noGit := func(f string) (string, error) { return "", exec.ErrNotFound }
	res, evs := create(t, Options{Dir: t.TempDir(), Name: "a", Template: "assets", Git: true, LookPath: noGit})
	if res.Git {
		t.Error("git reported as initialised")
	}
	var buf bytes.Buffer
	for _, e := range evs {
		if e.Kind == events.StepSkipped {
			buf.WriteString(e.Message)
		}
	}
	if !strings.Contains(buf.String(), "not on PATH") {
		t.Errorf("skip reason %q", buf.String())
	}
}
