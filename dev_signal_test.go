package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// devProc is a running `valet dev` (the real binary) and what it printed.
type devProc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (d *devProc) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// startDev runs `valet dev` in dir and waits for its "ready on" line.
func startDev(t *testing.T, valet, dir, name string, env []string) *devProc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	d := &devProc{t: t, name: name, done: make(chan struct{})}
	d.cmd = exec.Command(valet, "dev", "--no-tui", "--port", fmt.Sprint(port), "--persist-to", filepath.Join(t.TempDir(), "state"))
	d.cmd.Dir = dir
	d.cmd.Env = env
	pr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stdout = io.Discard
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.out.WriteString(line + "\n")
			d.mu.Unlock()
			if _, url, ok := strings.Cut(line, "ready on "); ok {
				select {
				case ready <- strings.Fields(url)[0]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { _ = d.cmd.Process.Kill(); <-d.done; _ = d.cmd.Wait() })
	select {
	case d.url = <-ready:
	case <-d.done:
		t.Fatalf("valet dev %s ended before it was ready:\n%s", name, d.output())
	case <-time.After(90 * time.Second):
		t.Fatalf("valet dev %s not ready after 90s:\n%s", name, d.output())
	}
	return d
}

// get asks the dev server for path; the object's container answers
// "hello ... host=HOST".
func (d *devProc) get(path string) string {
	d.t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(d.url + path)
	if err != nil {
		d.t.Fatalf("GET %s from valet dev %s: %v\n%s", path, d.name, err, d.output())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		d.t.Fatalf("GET %s from valet dev %s: %d %s\n%s", path, d.name, resp.StatusCode, b, d.output())
	}
	return strings.TrimSpace(string(b))
}

// stop sends sig and waits for the exit; it returns the exit code.
func (d *devProc) stop(sig syscall.Signal) int {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
	select {
	case <-d.done:
	case <-time.After(60 * time.Second):
		d.t.Fatalf("valet dev %s still runs 60s after %v:\n%s", d.name, sig, d.output())
	}
	err := d.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		d.t.Fatal(err)
	}
	return 0
}

// TestDevSessionsAndSignals runs the real valet binary: two `valet dev` of
// one app with containers, side by side. The second one's start sweep
// keeps the first one's container (its process runs), which goes on
// serving. The first killed with SIGKILL leaves its container; the second
// stopped with SIGHUP removes its own and exits 0; a third one's start
// sweep removes the killed one's; SIGHUP ends the third cleanly, and
// nothing of the app is left on the engine.
func TestDevSessionsAndSignals(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := t.TempDir()
	valet := filepath.Join(bin, "valet")
	if out, err := exec.Command("go", "build", "-o", valet, ".").CombinedOutput(); err != nil {
		t.Fatalf("build valet: %v\n%s", err, out)
	}
	dir := t.TempDir()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	app := "dh-" + hex.EncodeToString(b)
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "server"), ".")
	build.Dir = "testdata/durable/server"
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the container's server: %v\n%s", err, out)
	}
	for name, content := range map[string]string{
		"valet.jsonc": fmt.Sprintf(`{
  "name": %q,
  "main": "worker/index.js",
  "compatibility_date": "2025-06-01",
  "containers": [{ "name": "box", "class_name": "Box", "image": "./Dockerfile", "max_instances": 1 }],
  "durable_objects": { "bindings": [{ "name": "BOX", "class_name": "Box" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Box"] }]
}`, app),
		"Dockerfile": "FROM scratch\nCOPY server /server\nEXPOSE 8080\nENTRYPOINT [\"/server\"]\n",
		"worker/index.js": `import { DurableObject } from "cloudflare:workers";
export class Box extends DurableObject {
  async fetch(request) {
    const c = this.ctx.container;
    if (!c.running) c.start({ env: { MSG: "dev" } });
    // A container just started listens a moment later: until then its port
    // fails at once, so poll, as @cloudflare/containers' waitForPort does.
    for (let i = 0; ; i++) {
      try {
        const res = await c.getTcpPort(8080).fetch("http://container" + new URL(request.url).pathname);
        return new Response(await res.text(), { status: res.status });
      } catch (e) {
        if (i === 400 || !c.running) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}
export default { fetch(request, env) { return env.BOX.getByName("one").fetch(request); } };
`,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "DOCKER_HOST=" + e.Host(), "NO_COLOR=1", "TERM=dumb"}
	containers := func() map[string]engine.ContainerInfo {
		t.Helper()
		list, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: app})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]engine.ContainerInfo{}
		for _, c := range list {
			m[c.ID] = c
		}
		return m
	}
	t.Cleanup(func() { _, _ = e.Sweep(context.Background(), map[string]string{engine.LabelApp: app}) })

	a := startDev(t, valet, dir, "A", env)
	first := a.get("/x")
	aList := containers()
	if len(aList) != 1 || !strings.HasPrefix(first, "hello dev GET /x") {
		t.Fatalf("A's container: %q, %+v", first, aList)
	}

	// B starts beside A: its sweep keeps A's container, which still serves A.
	bDev := startDev(t, valet, dir, "B", env)
	for id := range aList {
		if _, ok := containers()[id]; !ok {
			t.Fatalf("B's start removed the container of A, which still runs:\n%s", bDev.output())
		}
	}
	if again := a.get("/y"); hostOf(again) != hostOf(first) {
		t.Fatalf("A is served by another container after B started: %q, then %q", first, again)
	}
	bDev.get("/z") // B's own container
	if n := len(containers()); n != 2 {
		t.Fatalf("%d containers with A and B running, want 2", n)
	}

	// A is killed: its container stays. B ends on SIGHUP: its own go.
	if code := a.stop(syscall.SIGKILL); code != 128+int(syscall.SIGKILL) {
		t.Fatalf("A's exit after SIGKILL: %d", code)
	}
	if code := bDev.stop(syscall.SIGHUP); code != 0 {
		t.Fatalf("valet dev exited with %d on SIGHUP, want 0:\n%s", code, bDev.output())
	}
	if strings.Contains(bDev.output(), "panic") {
		t.Fatalf("B's output:\n%s", bDev.output())
	}
	left := containers()
	if len(left) != 1 {
		t.Fatalf("after A's kill and B's SIGHUP: %+v, want only A's container", left)
	}
	for id := range left {
		if _, ok := aList[id]; !ok {
			t.Fatalf("the container left is not A's: %+v", left)
		}
	}

	// C's start sweeps what the killed A left; SIGHUP ends C cleanly.
	c := startDev(t, valet, dir, "C", env)
	if n := len(containers()); n != 0 {
		t.Fatalf("C's start left %d container(s) of the killed A:\n%s", n, c.output())
	}
	c.get("/w")
	if code := c.stop(syscall.SIGHUP); code != 0 {
		t.Fatalf("valet dev exited with %d on SIGHUP, want 0:\n%s", code, c.output())
	}
	if left := containers(); len(left) != 0 {
		t.Fatalf("containers left after SIGHUP: %+v", left)
	}
}

func hostOf(s string) string {
	_, h, _ := strings.Cut(s, "host=")
	return h
}
