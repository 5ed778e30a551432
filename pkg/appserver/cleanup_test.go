package appserver

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

func TestMain(m *testing.M) { enginetest.Main(m) }

// devProc is a real `valet dev` process.
type devProc struct {
	cmd  *exec.Cmd
	url  string
	logs *logBuf
}

// logBuf is the process's output, written by one goroutine, read by the test.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) WriteString(s string) {
	l.mu.Lock()
	l.b.WriteString(s)
	l.mu.Unlock()
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var readyRE = regexp.MustCompile(`ready on (http://\S+)`)

func startDev(t *testing.T, bin, dir string) *devProc {
	t.Helper()
	cmd := exec.Command(bin, "dev", "--no-tui", "--port", "0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProc{cmd: cmd, logs: &logBuf{}}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.logs.WriteString(sc.Text() + "\n")
			if m := readyRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	select {
	case p.url = <-urlc:
	case <-time.After(2 * time.Minute):
		t.Fatalf("valet dev not ready:\n%s", p.logs)
	}
	return p
}

func (p *devProc) get(t *testing.T, path string) string {
	t.Helper()
	res, err := http.Get(p.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, p.logs)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s\n%s", path, res.StatusCode, b, p.logs)
	}
	return string(b)
}

func (p *devProc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		t.Fatalf("valet dev did not exit after %v:\n%s", sig, p.logs)
	}
}

// TestDevCleanup runs the real binary: containers answer through the
// worker and the object, Ctrl-C removes them, and after a SIGKILL the next
// start sweeps what the killed session left.
func TestDevCleanup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds valet and runs valet dev")
	}
	e := enginetest.Connect(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "valet")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build valet: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "app")
	if err := os.CopyFS(dir, os.DirFS("../../testdata/durable/app")); err != nil {
		t.Fatal(err)
	}
	name := "cleanup" + time.Now().Format("150405") + strings.TrimPrefix(filepath.Base(tmp), "TestDevCleanup")
	name = strings.ToLower(regexp.MustCompile(`[^a-z0-9]`).ReplaceAllString(name, ""))
	cfg, _ := os.ReadFile(filepath.Join(dir, "valet.jsonc"))
	if err := os.WriteFile(filepath.Join(dir, "valet.jsonc"), []byte(strings.ReplaceAll(string(cfg), "{{name}}", name)), 0o644); err != nil {
		t.Fatal(err)
	}
	server := exec.Command("go", "build", "-o", filepath.Join(dir, "server"), ".")
	server.Dir = "../../testdata/durable/server"
	server.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := server.CombinedOutput(); err != nil {
		t.Fatalf("build server: %v\n%s", err, out)
	}
	count := func() int {
		l, err := e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: name})
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	t.Cleanup(func() { _, _ = e.Sweep(context.Background(), map[string]string{engine.LabelApp: name}) })

	p := startDev(t, bin, dir)
	if b := p.get(t, "/api/a"); !strings.HasPrefix(b, "1 hello dev GET /api/a") {
		t.Fatalf("first: %s", b)
	}
	if b := p.get(t, "/api/b"); !strings.HasPrefix(b, "2 hello dev GET /api/b") {
		t.Fatalf("same singleton: %s", b)
	}
	if n := count(); n != 1 {
		t.Fatalf("containers while serving: %d", n)
	}
	p.stop(t, syscall.SIGINT)
	if n := count(); n != 0 {
		t.Fatalf("containers after Ctrl-C: %d\n%s", n, p.logs)
	}

	// Storage survived; a SIGKILL leaves the container behind...
	p = startDev(t, bin, dir)
	if b := p.get(t, "/api/c"); !strings.HasPrefix(b, "3 hello dev") {
		t.Fatalf("after restart: %s\n%s", b, p.logs)
	}
	p.stop(t, syscall.SIGKILL)
	if n := count(); n != 1 {
		t.Fatalf("containers after SIGKILL: %d", n)
	}
	// ...and the next start removes it.
	p = startDev(t, bin, dir)
	if n := count(); n != 0 {
		t.Fatalf("left-overs after the next start: %d\n%s", n, p.logs)
	}
	if !strings.Contains(p.logs.String(), "removed 1 container(s) left by an earlier valet dev") {
		t.Errorf("no sweep message:\n%s", p.logs)
	}
	if b := p.get(t, "/api/d"); !strings.HasPrefix(b, "4 hello dev") {
		t.Fatalf("after sweep: %s", b)
	}
	p.stop(t, syscall.SIGINT)
	if n := count(); n != 0 {
		t.Fatalf("containers at the end: %d", n)
	}
}
