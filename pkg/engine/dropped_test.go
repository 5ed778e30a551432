package engine_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// TestWaitPortDropped: a container whose packets are dropped on the way
// (here by a rule in a network namespace of the test's own; on a host, by
// a FORWARD policy DROP that filters bridged traffic) is not "not
// listening": WaitPort says the packets are dropped, names the bridge and
// says how to let the traffic through.
func TestWaitPortDropped(t *testing.T) {
	if !enginetest.InNetns(t, "ACCEPT") {
		return
	}
	e := enginetest.Connect(t)
	img := enginetest.GoImage(t, e, "server", serverSource)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, err := e.RunContainer(ctx, engine.ContainerSpec{Image: img, Labels: enginetest.Labels(t)})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := e.ContainerAddr(ctx, id, 8080)
	if err != nil {
		t.Fatal(err)
	}
	ip, _, _ := strings.Cut(addr, ":")
	if out, err := exec.Command("iptables", "-w", "-I", "OUTPUT", "-d", ip, "-p", "tcp", "-j", "DROP").CombinedOutput(); err != nil {
		t.Fatalf("iptables: %v\n%s", err, out)
	}
	wctx, wcancel := context.WithTimeout(ctx, 3*time.Second)
	defer wcancel()
	_, err = e.WaitPort(wctx, id, 8080)
	var dropped *engine.DroppedError
	if !errors.As(err, &dropped) {
		t.Fatalf("WaitPort = %v, want a *DroppedError", err)
	}
	msg := err.Error()
	for _, want := range []string{"packets are dropped", "FORWARD policy is DROP", "bridge-nf-call-iptables", "iptables -A FORWARD -i br-"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q:\n%s", want, msg)
		}
	}
	if len(dropped.Bridges) != 1 || !strings.HasPrefix(dropped.Bridges[0], "br-") {
		t.Errorf("bridges = %v, want the valet network's br-*", dropped.Bridges)
	}
}
