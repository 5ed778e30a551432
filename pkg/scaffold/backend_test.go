package scaffold

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// The container-app's backend must build from a fresh scaffold offline,
// with the command valet.jsonc names, and answer what the frontend asks.
func TestContainerAppBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	if runtime.GOOS != "linux" {
		t.Skip("build.sh builds for Linux; the binary runs here only on Linux")
	}
	testenv.LookPath(t, "go")
	dir := t.TempDir()
	create(t, Options{Dir: dir, Name: "app", Template: "container-app"})

	build := exec.Command("./backend/build.sh")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("./backend/build.sh: %v\n%s", err, out)
	}
	server := filepath.Join(dir, "backend", "server")

	counterFile := filepath.Join(t.TempDir(), "counter")
	base, stop := startBackend(t, server, counterFile)

	var health struct {
		Status     string `json:"status"`
		APIVersion string `json:"api_version"`
	}
	getJSON(t, "GET", base+"/api/health", &health)
	if health.Status != "ok" || health.APIVersion != "v1" {
		t.Errorf("health %+v", health)
	}
	var counter struct{ Value int64 }
	getJSON(t, "POST", base+"/api/counter/increment", &counter)
	getJSON(t, "POST", base+"/api/counter/increment?by=41", &counter)
	getJSON(t, "GET", base+"/api/counter", &counter)
	if counter.Value != 42 {
		t.Errorf("counter = %d, want 42", counter.Value)
	}
	var echo struct {
		Method  string              `json:"method"`
		Headers map[string][]string `json:"headers"`
		Body    string              `json:"body"`
	}
	req, _ := http.NewRequest("PUT", base+"/api/echo", strings.NewReader("hi"))
	req.Header.Set("X-Demo", "valet")
	doJSON(t, req, &echo)
	if echo.Method != "PUT" || echo.Body != "hi" || echo.Headers["X-Demo"][0] != "valet" {
		t.Errorf("echo %+v", echo)
	}
	resp, err := http.Get(base + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope = %d", resp.StatusCode)
	}

	// SIGTERM ends it cleanly; the counter survives through COUNTER_FILE.
	if code := stop(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d", code)
	}
	base, stop = startBackend(t, server, counterFile)
	defer stop()
	getJSON(t, "GET", base+"/api/counter", &counter)
	if counter.Value != 42 {
		t.Errorf("counter after restart = %d, want 42", counter.Value)
	}
}

// startBackend runs the server on a free loopback port and waits until it
// answers. stop sends SIGTERM and returns the exit code.
func startBackend(t *testing.T, server, counterFile string) (base string, stop func() int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	cmd := exec.Command(server)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "API_VERSION=v1", "COUNTER_FILE="+counterFile)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stopped := false
	stop = func() int {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Errorf("backend ignored SIGTERM; logs:\n%s", logs.String())
			}
		}
		return cmd.ProcessState.ExitCode()
	}
	t.Cleanup(func() { stop() })

	base = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/api/health")
		if err == nil {
			resp.Body.Close()
			return base, stop
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend not answering: %v; logs:\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func getJSON(t *testing.T, method, url string, v any) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	doJSON(t, req, v)
}

func doJSON(t *testing.T, req *http.Request, v any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s = %d: %s", req.Method, req.URL, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", req.Method, req.URL, ct)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s %s: %v: %s", req.Method, req.URL, err, body)
	}
}
