package devserver

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// TestTmuxDashboard runs the real binary on a real pty (tmux): the
// dashboard shows the URL, the bindings and the requests; x stops valet dev,
// and no container of the app is left running. With DOCKER_HOST set the app
// is the container-app template (its /api starts a container); without, the
// fixture app.
func TestTmuxDashboard(t *testing.T) {
	tmux := testenv.LookPath(t, "tmux")
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildValet(t)
	dir, app, binding, api := fixture(t, "app"), "dev-fixture", "TOKEN", "/api/hello"
	withEngine := os.Getenv("DOCKER_HOST") != ""
	if withEngine {
		dir, app, binding, api = containerApp(t), "live-app", "CONTAINER", "/api/health"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	session := fmt.Sprintf("valet-test-%d", time.Now().UnixNano())
	// A person at a terminal: CI (set when the suite runs under CI) would
	// rightly make valet print plain lines instead of the dashboard.
	script := fmt.Sprintf("cd %q && env -u CI %q dev --port %d; echo valet-exited-$?; sleep 60", dir, bin, port)
	if out, err := exec.Command(tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", script).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(tmux, "kill-session", "-t", session).Run() })
	screen := func() string {
		out, _ := exec.Command(tmux, "capture-pane", "-p", "-t", session).Output()
		return string(out)
	}
	waitFor := func(what string, d time.Duration, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(d)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not on screen after %v:\n%s", what, d, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor("the URL", 120*time.Second, func(s string) bool { return strings.Contains(s, url) })
	get(t, url+"/")
	get(t, url+api)
	s := waitFor("bindings and requests", 60*time.Second, func(s string) bool {
		return strings.Contains(s, binding) && strings.Contains(s, "GET") && strings.Contains(s, api)
	})
	t.Logf("dashboard:\n%s", s)

	if out, err := exec.Command(tmux, "send-keys", "-t", session, "x").CombinedOutput(); err != nil {
		t.Fatalf("send x: %v\n%s", err, out)
	}
	s = waitFor("exit", 60*time.Second, func(s string) bool { return strings.Contains(s, "valet-exited-") })
	if !strings.Contains(s, "valet-exited-0") || !strings.Contains(s, "valet dev stopped") {
		t.Errorf("valet dev did not exit cleanly:\n%s", s)
	}
	if withEngine {
		docker := testenv.LookPath(t, "docker")
		out, err := exec.Command(docker, "ps", "-a", "-q", "--filter", "label=dev.valet.app="+app).CombinedOutput()
		if err != nil {
			t.Fatalf("docker ps: %v\n%s", err, out)
		}
		if ids := strings.TrimSpace(string(out)); ids != "" {
			t.Errorf("containers left after x: %s", ids)
		}
	}
}
