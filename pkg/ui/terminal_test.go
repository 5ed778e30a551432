package ui

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testenv"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// TestMain lets this test binary play a command that reports through the
// TUI, so TestTUIOnRealTerminal can run it on a real pty under tmux.
func TestMain(m *testing.M) {
	if os.Getenv("VALET_UI_TEST_HELPER") == "1" {
		os.Exit(helperCommand())
	}
	os.Exit(m.Run())
}

func helperCommand() int {
	ios := iostreams.System()
	r := NewReporter(ios, TUI) // TUI even under CI: this is the thing tested
	r.Start()
	em := events.NewEmitter(r)
	_ = em.Step("bundle worker", func() error { return nil })
	em.Emit(events.Event{Kind: events.Ready, URL: "http://127.0.0.1:8787"})
	select {
	case <-r.Interrupted():
	case <-time.After(30 * time.Second):
	}
	if err := r.Stop(); err != nil {
		fmt.Fprintln(ios.ErrOut, err)
		return 1
	}
	fmt.Fprintln(ios.Out, "helper: terminal back")
	return 0
}

// TestTUIOnRealTerminal runs the dashboard on a real pty (tmux): it draws,
// q reaches it as a key (raw mode), and the command ends normally.
func TestTUIOnRealTerminal(t *testing.T) {
	testenv.LookPath(t, "tmux")
	sock := fmt.Sprintf("valet-ui-test-%d", os.Getpid())
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	script := fmt.Sprintf("VALET_UI_TEST_HELPER=1 %q -test.run=^$; echo EXIT=$?; sleep 60", os.Args[0])
	tmux("-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x", "80", "-y", "24", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })

	waitScreen := func(want ...string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			screen := tmux("capture-pane", "-p", "-t", "ui")
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(screen, w)
			}
			if ok {
				return screen
			}
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %q:\n%s", want, screen)
			}
			time.Sleep(50 * time.Millisecond) // polling tmux, which has no notification
		}
	}
	waitScreen("✓ bundle worker", "➜ http://127.0.0.1:8787", "q quit")
	tmux("send-keys", "-t", "ui", "q")
	screen := waitScreen("EXIT=0")
	for _, want := range []string{"! stopped", "helper: terminal back"} {
		if !strings.Contains(screen, want) {
			t.Errorf("final screen lacks %q:\n%s", want, screen)
		}
	}
}
