package containers

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
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

// valet dev reaches containers only through ports published on 127.0.0.1,
// which a container on an internal network cannot have: there,
// enableInternet: false is not enforced, and valet says so. The deployed
// edge (ByNetworkAddress) enforces it; pkg/deploy's durable test checks that.
func TestEnableInternetFalseInDev(t *testing.T) {
	r := newRig(t, offlineWorker, 0)
	code, body := r.get(t, "/")
	if code != 200 || !strings.Contains(body, "hello offline") {
		t.Fatalf("GET /: %d %s", code, body)
	}
	list := r.containers(t)
	if len(list) != 1 {
		t.Fatalf("want 1 running container, got %d", len(list))
	}
	ins, err := r.e.Client().ContainerInspect(context.Background(), list[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, internal := ins.Container.NetworkSettings.Networks[engine.InternalNetwork]; internal {
		t.Fatalf("container networks: %v: valet dev cannot reach a container on %s", keys(ins.Container.NetworkSettings.Networks), engine.InternalNetwork)
	}
	var noted bool
	for _, e := range r.rec.Events() {
		if strings.Contains(e.Message, "enableInternet: false is not enforced") {
			noted = true
		}
	}
	if !noted {
		t.Error("no event says enableInternet: false is not enforced in dev")
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
