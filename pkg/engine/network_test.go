package engine_test

import (
	"context"
	"fmt"
	"os"
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
