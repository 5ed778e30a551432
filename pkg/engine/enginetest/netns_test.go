package enginetest_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// peerSource serves "hi from peer" on :8080, or, with PEER set, asks
// PEER:8080 for it (for up to 10 s) and exits 0 once it answered.
const peerSource = `package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	peer := os.Getenv("PEER")
	if peer == "" {
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hi from peer") })
		http.ListenAndServe(":8080", nil)
		return
	}
	c := &http.Client{Timeout: 2 * time.Second}
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var resp *http.Response
		if resp, err = c.Get("http://" + peer + "/"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			fmt.Printf("got %q\n", b)
			os.Exit(0)
		}
	}
	fmt.Println("no answer:", err)
	os.Exit(1)
}
`

// TestBridgedTraffic: two containers on one of valet's networks reach each
// other by address, whatever the host's FORWARD policy (a system dockerd
// leaves it DROP, and where br_netfilter is loaded that chain sees bridged
// frames too). This is what a deployed edge does to reach its Durable
// Objects' containers. The test engines run without iptables, so the rule
// that lets the traffic through is enginetest's own (allowBridged).
func TestBridgedTraffic(t *testing.T) {
	for _, policy := range []string{"DROP", "ACCEPT"} {
		t.Run(policy, func(t *testing.T) {
			if !enginetest.InNetns(t, policy) {
				return
			}
			e := enginetest.Connect(t)
			img := enginetest.GoImage(t, e, "peer", peerSource)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			srv, err := e.RunContainer(ctx, engine.ContainerSpec{Image: img, Labels: enginetest.Labels(t)})
			if err != nil {
				t.Fatal(err)
			}
			addr, err := e.ContainerAddr(ctx, srv, 8080)
			if err != nil {
				t.Fatal(err)
			}
			cli, err := e.RunContainer(ctx, engine.ContainerSpec{Image: img, Env: map[string]string{"PEER": addr}, Labels: enginetest.Labels(t)})
			if err != nil {
				t.Fatal(err)
			}
			code, err := e.Wait(ctx, cli)
			logs := ""
			if rc, lerr := e.Logs(ctx, cli, false); lerr == nil {
				b, _ := io.ReadAll(rc)
				rc.Close()
				logs = string(b)
			}
			if err != nil || code != 0 || !strings.Contains(logs, `got "hi from peer"`) {
				t.Fatalf("a container could not reach another on its network at %s (exit %d, %v):\n%s", addr, code, err, logs)
			}
		})
	}
}
