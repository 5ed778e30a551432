package devserver

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildValet builds the valet binary into a temp dir.
func buildValet(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "valet")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var readyLine = regexp.MustCompile(`ready on (http://\S+)`)

// runValetDev starts `valet dev --no-tui --port 0` in dir and waits until
// it serves; it returns the process and its URL.
func runValetDev(t *testing.T, bin, dir string) (*exec.Cmd, string, func() string) {
	t.Helper()
	cmd := exec.Command(bin, "dev", "--no-tui", "--port", "0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs strings.Builder
	output := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	select {
	case url := <-urlc:
		return cmd, url, output
	case <-time.After(60 * time.Second):
		t.Fatalf("valet dev not ready after 60s:\n%s", output())
	}
	return nil, "", nil
}

// children lists the live processes whose parent is pid, by name.
func children(t *testing.T, pid int) map[int]string {
	t.Helper()
	out := map[int]string{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, ppid, state, ok := procStat(n)
		if ok && ppid == pid && state != "Z" {
			out[n] = comm
		}
	}
	return out
}

// procStat reads a process's name, parent and state from /proc.
func procStat(pid int) (comm string, ppid int, state string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", 0, "", false
	}
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return "", 0, "", false
	}
	f := strings.Fields(s[close+1:])
	if len(f) < 2 {
		return "", 0, "", false
	}
	ppid, _ = strconv.Atoi(f[1])
	return s[open+1 : close], ppid, f[0], true
}

// alive reports whether pid runs (a zombie waiting for its parent does not).
func alive(pid int) bool {
	_, _, state, ok := procStat(pid)
	return ok && state != "Z" && state != "X"
}

// TestStopLeavesNothingRunning runs the real binary: Ctrl-C, SIGTERM and
// SIGHUP each stop valet dev, which stops its workerd and removes its run
// directory first; after a kill -9 of valet, the kernel kills workerd
// (Pdeathsig), so no runtime outlives its edge.
func TestStopLeavesNothingRunning(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc; Pdeathsig is Linux's")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildValet(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := fixture(t, "app")
			cmd, url, output := runValetDev(t, bin, dir)
			if code, _ := get(t, url+"/api/hello"); code != 200 {
				t.Fatalf("GET /api/hello = %d", code)
			}
			var workerd []int
			for pid, name := range children(t, cmd.Process.Pid) {
				if name == "workerd" {
					workerd = append(workerd, pid)
				}
			}
			if len(workerd) != 1 {
				t.Fatalf("valet dev runs %d workerd processes, want 1: %v", len(workerd), children(t, cmd.Process.Pid))
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if sig != syscall.SIGKILL && err != nil {
					t.Errorf("valet dev after %v: %v\n%s", sig, err, output())
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("valet dev still runs 20s after %v:\n%s", sig, output())
			}
			if sig != syscall.SIGKILL {
				// valet waited for workerd before it exited.
				if alive(workerd[0]) {
					t.Errorf("workerd %d still runs after valet dev exited on %v", workerd[0], sig)
				}
				runs, _ := filepath.Glob(filepath.Join(dir, ".valet", "dev", "workerd", "v-*"))
				if len(runs) > 0 {
					t.Errorf("run directories left after %v: %v", sig, runs)
				}
				return
			}
			deadline := time.Now().Add(5 * time.Second)
			for alive(workerd[0]) {
				if time.Now().After(deadline) {
					t.Fatalf("workerd %d still runs 5s after valet was killed", workerd[0])
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
