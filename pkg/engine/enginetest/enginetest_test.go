package enginetest

import (
	"context"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/internal/testenv"
)

const helloSource = `package main

import (
	"fmt"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hi") })
	http.ListenAndServe(":8080", nil)
}
`

func TestConnectAndGoImage(t *testing.T) {
	e := Connect(t)
	ref := GoImage(t, e, "hello", helloSource)
	if again := GoImage(t, e, "hello", helloSource); again != ref {
		t.Errorf("same source, different images: %s, %s", ref, again)
	}
	serve(t, e, ref)
}

// TestPrivateDaemon starts a second dockerd beside the shared one, as Main
// does when none answers, and checks that its containers are reachable:
// two engines' "valet" networks must not collide.
func TestPrivateDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dockerd")
	}
	if !canStartDaemon() {
		testenv.Missing(t, "a private dockerd: needs root and dockerd on PATH")
	}
	testenv.LookPath(t, "go")
	d, err := startDaemon(60 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.stop)
	t.Setenv("DOCKER_HOST", d.host)
	e := Connect(t)
	if e.Host() != d.host {
		t.Fatalf("connected to %s, want the private %s", e.Host(), d.host)
	}
	serve(t, e, GoImage(t, e, "hello", helloSource))
	if _, err := os.Stat(d.dir); err != nil {
		t.Errorf("daemon dir: %v", err)
	}
}

func serve(t *testing.T, e *engine.Engine, ref string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := e.RunContainer(ctx, engine.ContainerSpec{Image: ref, Ports: []int{8080}, Labels: Labels(t)})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := e.WaitPort(ctx, id, 8080)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "hi" {
		t.Errorf("body %q", b)
	}
}
