package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

func TestEnsureNetworkConcurrent(t *testing.T) {
	e := enginetest.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("valet-test-net-%d", os.Getpid())
	t.Cleanup(func() {
		list, _ := e.Client().NetworkList(context.Background(), client.NetworkListOptions{Filters: client.Filters{}.Add("name", name)})
		for _, n := range list.Items {
			_, _ = e.Client().NetworkRemove(context.Background(), n.ID, client.NetworkRemoveOptions{})
		}
	})
	// Two engines (two valet processes) racing to create the same network
	// must settle on one.
	other := enginetest.Connect(t)
	ids := make([]string, 4)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			eng := e
			if i%2 == 1 {
				eng = other
			}
			id, err := eng.EnsureNetwork(ctx, name)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	// Whichever ID each got first, containers run on both engines and one
	// network remains.
	img := enginetest.GoImage(t, e, "server", serverSource)
	for _, eng := range []*engine.Engine{e, other, e} {
		id, err := eng.RunContainer(ctx, engine.ContainerSpec{Image: img, Network: name, Aliases: []string{"backend"}, Ports: []int{8080}, Labels: enginetest.Labels(t)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.WaitPort(ctx, id, 8080); err != nil {
			t.Fatal(err)
		}
	}
	list, err := e.Client().NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("name", name)})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("networks named %s: %d, %v; want 1", name, len(list.Items), err)
	}
}

// TestEnsureNetworkChecksReused puts networks valet did not make under the
// names valet uses, on an engine of the test's own: each is refused (a
// *NetworkMismatchError saying what differs and how to fix it), and no
// container is put on it; a network made as the spec says is used.
func TestEnsureNetworkChecksReused(t *testing.T) {
	d := enginetest.StartDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: d.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	cli := e.Client()
	mismatch := func(what string, err error, wants ...string) {
		t.Helper()
		var me *engine.NetworkMismatchError
		if !errors.As(err, &me) {
			t.Fatalf("%s: %v, want a *NetworkMismatchError", what, err)
		}
		for _, w := range append(wants, "docker network rm") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: the error does not say %q:\n%v", what, w, err)
			}
		}
		t.Logf("%s: %v", what, err)
	}

	// valet dev's network for enableInternet: false, made by someone else
	// as a plain bridge: trusting it would give those containers internet.
	if _, err := cli.NetworkCreate(ctx, engine.InternalNetwork, client.NetworkCreateOptions{Driver: "bridge"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.EnsureNetwork(ctx, engine.InternalNetwork)
	mismatch("a plain "+engine.InternalNetwork, err, engine.InternalNetwork, "is not internal", "lacks the label dev.valet.managed=true")
	img := enginetest.GoImage(t, e, "server", serverSource)
	_, err = e.RunContainer(ctx, engine.ContainerSpec{Image: img, Network: engine.InternalNetwork, Labels: enginetest.Labels(t)})
	mismatch("a container on it", err, engine.InternalNetwork)

	// An app's network: labels and bridge options are checked too.
	spec := engine.NetworkSpec{Name: "valet-checked", Internal: true, Labels: map[string]string{engine.LabelApp: "checked"}, Options: engine.NoHostAddress}
	if _, err := cli.NetworkCreate(ctx, spec.Name, client.NetworkCreateOptions{Driver: "bridge", Internal: true,
		Labels: map[string]string{engine.LabelManaged: "true", engine.LabelApp: "other"}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.EnsureNetworkSpec(ctx, spec)
	mismatch("another app's network", err, `its label dev.valet.app is "other", not "checked"`, "lacks the option com.docker.network.bridge.inhibit_ipv4=true")

	// Made as the spec says (here by valet itself): used.
	spec.Name = "valet-fresh"
	id, err := e.EnsureNetworkSpec(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	other, err := engine.Connect(ctx, engine.Options{Host: d.Host}) // no cache: checks it
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if again, err := other.EnsureNetworkSpec(ctx, spec); err != nil || again != id {
		t.Fatalf("a network valet made is not used again: %s %v (made %s)", again, err, id)
	}
}
