package engine_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// serverSource is a container program: it logs to stdout and stderr, exits
// with EXIT_CODE when set, else serves $GREETING on :8080 after DELAY_MS.
const serverSource = `package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	fmt.Println("out: starting")
	fmt.Fprintln(os.Stderr, "err: starting")
	if c := os.Getenv("EXIT_CODE"); c != "" {
		n, _ := strconv.Atoi(c)
		os.Exit(n)
	}
	if d, _ := strconv.Atoi(os.Getenv("DELAY_MS")); d > 0 {
		time.Sleep(time.Duration(d) * time.Millisecond)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, os.Getenv("GREETING"))
	})
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`

func runServer(t *testing.T, e *engine.Engine, env map[string]string, extra map[string]string) string {
	t.Helper()
	img := enginetest.GoImage(t, e, "server", serverSource)
	labels := enginetest.Labels(t)
	for k, v := range extra {
		labels[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := e.RunContainer(ctx, engine.ContainerSpec{Image: img, Env: env, Labels: labels, Ports: []int{8080}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRunContainerReachPort(t *testing.T) {
	e := enginetest.Connect(t)
	start := time.Now()
	id := runServer(t, e, map[string]string{"GREETING": "hello from the container", "DELAY_MS": "300"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	addr, err := e.WaitPort(ctx, id, 8080)
	if err != nil {
		t.Fatal(err)
	}
	// dockerd's proxy accepts on the published port before the program
	// listens; WaitPort must not take that for ready.
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("WaitPort returned after %s, before the server listened", took)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("addr = %s, want a published 127.0.0.1 port", addr)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello from the container" {
		t.Errorf("body = %q", body)
	}
	if other, err := e.ContainerAddr(ctx, id, 8080); err != nil || other != addr {
		t.Errorf("ContainerAddr = %q, %v; want %q", other, err, addr)
	}
}

func TestListByLabelsAndSweep(t *testing.T) {
	e := enginetest.Connect(t)
	ctx := context.Background()
	a := runServer(t, e, nil, map[string]string{engine.LabelClass: "A", engine.LabelObject: "1"})
	b := runServer(t, e, nil, map[string]string{engine.LabelClass: "B", engine.LabelObject: "2"})

	session := enginetest.Labels(t)[engine.LabelSession]
	list, err := e.ListByLabels(ctx, map[string]string{engine.LabelSession: session, engine.LabelClass: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != a || list[0].Labels[engine.LabelObject] != "1" || !list[0].Running() {
		t.Fatalf("list class A = %+v, want only %s running", list, a)
	}
	if list[0].Labels[engine.LabelManaged] != "true" {
		t.Errorf("labels %v lack %s", list[0].Labels, engine.LabelManaged)
	}
	all, err := e.ListByLabels(ctx, map[string]string{engine.LabelSession: session, engine.LabelClass: ""})
	if err != nil || len(all) != 2 {
		t.Fatalf("list any class = %d containers, %v; want 2", len(all), err)
	}
	n, err := e.Sweep(ctx, map[string]string{engine.LabelSession: session})
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2", n, err)
	}
	for _, id := range []string{a, b} {
		if _, err := e.Inspect(ctx, id); !engine.IsNotFound(err) {
			t.Errorf("container %s after sweep: %v, want not found", id, err)
		}
	}
	if _, err := e.Sweep(ctx, nil); err == nil {
		t.Error("Sweep without labels must refuse")
	}
}

func TestWaitExitCodeAndLogs(t *testing.T) {
	e := enginetest.Connect(t)
	id := runServer(t, e, map[string]string{"EXIT_CODE": "3"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code, err := e.Wait(ctx, id)
	if err != nil || code != 3 {
		t.Fatalf("Wait = %d, %v; want 3", code, err)
	}
	rc, err := e.Logs(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "out: starting\nerr: starting\n" && string(out) != "err: starting\nout: starting\n" {
		t.Errorf("logs = %q", out)
	}
	var stdout, stderr strings.Builder
	if err := e.LogsTo(ctx, id, true, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "out: starting\n" || stderr.String() != "err: starting\n" {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

func TestWaitPortCrash(t *testing.T) {
	e := enginetest.Connect(t)
	id := runServer(t, e, map[string]string{"EXIT_CODE": "3", "DELAY_MS": "50"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := e.WaitPort(ctx, id, 8080)
	var ee *engine.ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || !errors.Is(err, engine.ErrExited) {
		t.Fatalf("WaitPort err = %v, want exit code 3", err)
	}
}

func TestStopSignalKill(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := runServer(t, e, nil, nil)
	if err := e.Signal(ctx, id, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	if code, err := e.Wait(ctx, id); err != nil || code != 137 {
		t.Errorf("after SIGKILL: Wait = %d, %v; want 137", code, err)
	}
	id = runServer(t, e, nil, nil)
	if err := e.Stop(ctx, id, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if st, err := e.Inspect(ctx, id); err != nil || st.Running {
		t.Errorf("after Stop: %+v, %v", st, err)
	}
	if err := e.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(ctx, id); err != nil {
		t.Errorf("removing a removed container: %v", err)
	}
}

func TestRunContainerMissingImage(t *testing.T) {
	e := enginetest.Connect(t)
	_, err := e.RunContainer(context.Background(), engine.ContainerSpec{Image: "valet-test-absent:nope", Labels: enginetest.Labels(t)})
	if err == nil || !strings.Contains(err.Error(), "valet-test-absent:nope") {
		t.Fatalf("err = %v, want the image named", err)
	}
}

// A published port is behind dockerd's proxy, which accepts whether or not
// the container listens; the container's own address beside it tells for
// certain, and is where connections go.
func TestPortAddrSeesPastTheProxy(t *testing.T) {
	e := enginetest.Connect(t)
	img := enginetest.GoImage(t, e, "server", serverSource)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := e.RunContainer(ctx, engine.ContainerSpec{Image: img, Labels: enginetest.Labels(t), Ports: []int{8080, 8081}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WaitPort(ctx, id, 8080); err != nil {
		t.Fatal(err)
	}
	on, err := e.PortAddr(ctx, id, 8080)
	if err != nil {
		t.Fatal(err)
	}
	off, err := e.PortAddr(ctx, id, 8081)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []engine.PortAddress{on, off} {
		if !a.Proxied || !strings.HasPrefix(a.Addr, "127.0.0.1:") {
			t.Fatalf("%+v: want a published 127.0.0.1 port", a)
		}
		if runtime.GOOS != "linux" || e.Remote() {
			if a.Direct != "" {
				t.Fatalf("%+v: a direct address where this host has no container networks", a)
			}
			return
		}
		if host, _, _ := net.SplitHostPort(a.Direct); net.ParseIP(host) == nil || host == "127.0.0.1" {
			t.Fatalf("%+v: want the container's own address beside it", a)
		}
	}
	if !on.Listening(ctx) || off.Listening(ctx) {
		t.Fatalf("listening: 8080 %v, 8081 %v; want true, false", on.Listening(ctx), off.Listening(ctx))
	}
	if off.Direct == "" {
		t.Fatal("a refusal at the direct address made it forget the address")
	}
	if _, _, err := off.Dial(ctx, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial 8081: %v, want refused", err)
	}
	c, viaProxy, err := on.Dial(ctx, time.Second)
	if err != nil || viaProxy {
		t.Fatalf("dial 8080: via proxy %v, %v; want the direct address", viaProxy, err)
	}
	_, _ = io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if !strings.HasPrefix(line, "HTTP/1.0 200") {
		t.Fatalf("answer over the direct connection: %q", line)
	}

	// Without the direct address, the proxy is asked.
	on.Direct, off.Direct = "", ""
	if !on.Listening(ctx) || off.Listening(ctx) {
		t.Fatal("through the proxy: want 8080 listening, 8081 not")
	}
}
