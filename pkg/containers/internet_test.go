package containers

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

const offlineWorker = `
import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(req) {
    const c = this.ctx.container;
    if (!c.running) c.start({ enableInternet: false, env: { MSG: "offline" } });
    return c.getTcpPort(8080).fetch("http://container/x");
  }
}

export default {
  fetch(req, env) { return env.BOX.getByName("one").fetch(req); },
};
`

func TestEnableInternetFalseUsesInternalNetwork(t *testing.T) {
	r := newRig(t, offlineWorker, 0)
	code, body := r.get(t, "/")
	if code != 200 || !strings.Contains(body, "hello offline") {
		t.Fatalf("GET /: %d %s", code, body)
	}
	list := r.containers(t)
	if len(list) != 1 {
		t.Fatalf("want 1 running container, got %d", len(list))
	}
	ctx := context.Background()
	ins, err := r.e.Client().ContainerInspect(ctx, list[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nets := ins.Container.NetworkSettings.Networks
	if _, ok := nets[engine.InternalNetwork]; !ok || len(nets) != 1 {
		t.Fatalf("container networks: %v, want only %s", keys(nets), engine.InternalNetwork)
	}
	n, err := r.e.Client().NetworkInspect(ctx, engine.InternalNetwork, client.NetworkInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !n.Network.Internal {
		t.Errorf("network %s is not internal", engine.InternalNetwork)
	}
	var noted bool
	for _, e := range r.rec.Events() {
		if e.Kind == events.Log && strings.Contains(e.Message, "no internet access") {
			noted = true
		}
	}
	if !noted {
		t.Error("no event notes that the container has no internet access")
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
