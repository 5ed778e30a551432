package containers

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// What valet adds to workerd's containers: max_instances (Cloudflare's,
// which workerd's local client does not enforce), its own names and labels,
// the dashboard's states, enableInternet in dev, and containers that
// outlive a reload of the worker.

// TestMaxInstances: with all of max_instances running, another object's
// start() fails through monitor() with Cloudflare's words (which
// @cloudflare/containers answers 503 for) and valet's hint; once one
// stops, the other starts.
func TestMaxInstances(t *testing.T) {
	p := probe(t)
	cfg := filepath.Join(p.dir, "wrangler.jsonc")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), `"max_instances": 10`, `"max_instances": 1`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := p.dev(t)
	s.text(t, "/a/start")
	s.text(t, "/a/wait-port")
	if got := s.text(t, "/b/start"); got != `{"start":{"returned":null},"running":true}` {
		t.Fatalf("start of a second object: %s", got)
	}
	got := s.text(t, "/b/monitor")
	if !strings.Contains(got, `"rejected":{"name":"Error","message":"there is no container instance that can be provided to this durable object`) ||
		!strings.Contains(got, "max_instances") || !strings.Contains(got, `"running":false`) {
		t.Fatalf("monitor of the second object: %s", got)
	}
	s.text(t, "/a/destroy")
	s.text(t, "/b/start")
	if got := s.text(t, "/b/wait-port"); !strings.Contains(got, `"answered":{"status":200`) {
		t.Fatalf("the second object after the first stopped: %s", got)
	}
	if n := p.running(t, "ctr-probe"); n != 1 {
		t.Fatalf("%d containers run, want 1", n)
	}
}

// TestContainersOfValetDev: each object's container is named and labelled
// after the app, class and object; the dashboard sees it start, run, crash,
// stop; a container that ended is removed; enableInternet: false (the
// default, as under workerd) cannot be enforced through published ports
// and valet says so once.
func TestContainersOfValetDev(t *testing.T) {
	p := probe(t)
	s := p.dev(t)
	s.text(t, "/a/start")
	s.text(t, "/a/wait-port")
	l, err := p.e.ListByLabels(context.Background(), map[string]string{engine.LabelApp: "ctr-probe"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 || l[0].Labels[engine.LabelClass] != "Box" || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(l[0].Labels[engine.LabelObject]) ||
		!strings.HasPrefix(l[0].Name, "valet-ctr-probe-box-") {
		t.Fatalf("containers: %+v", l)
	}
	ins, err := p.e.Client().ContainerInspect(context.Background(), l[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, internal := ins.Container.NetworkSettings.Networks[engine.InternalNetwork]; internal {
		t.Errorf("the container is on %s: valet dev reaches it through published ports, which that network has none of", engine.InternalNetwork)
	}

	s.text(t, "/a/exit?code=3")
	s.text(t, "/a/start")
	s.text(t, "/a/wait-port")
	s.text(t, "/a/monitor-signal?sig=15")
	var states []string
	for _, e := range s.events.all() {
		if e.Kind == events.ContainerState {
			states = append(states, e.State)
		}
	}
	if got := strings.Join(states, ","); got != "starting,running,crashed,starting,running,stopping,stopped" {
		t.Errorf("states: %s", got)
	}
	if n := p.containers(t, "ctr-probe"); n != 0 {
		t.Errorf("%d containers left after they ended", n)
	}
	warned := func(e events.Event) bool { return strings.Contains(e.Message, "enableInternet: false is not enforced") }
	if n := s.events.count(warned); n != 1 {
		t.Errorf("%d warnings that enableInternet: false is not enforced, want 1 (once per class)%s", n, s.events)
	}
}

// TestRunningAtConstruction: an object built anew while its container
// runs (here reset with ctx.abort(); a reload or a handoff between versions
// does the same) finds `running` true in its constructor, and the container
// is the same one, watched as the new object's own. (workerd's local client
// removes a container when its object goes; valet keeps it, as it keeps
// containers across reloads.)
func TestRunningAtConstruction(t *testing.T) {
	p := probe(t)
	s := p.dev(t)
	s.text(t, "/r/start")
	before := s.text(t, "/r/wait-port")
	if r := s.get(t, "/r/abort"); r.status != 500 {
		t.Fatalf("ctx.abort(): %d %q", r.status, r.body)
	}
	if got := s.text(t, "/r/constructed"); got != `{"runningAtConstruction":true,"running":true}` {
		t.Fatalf("the object built anew: %s%s", got, s.events)
	}
	host := regexp.MustCompile(`host=\w+`)
	after := s.text(t, "/r/fetch?path=/ready")
	if host.FindString(after) != host.FindString(before) || !strings.Contains(after, " 2 host=") {
		t.Errorf("not the same container: before %s, after %s", before, after)
	}
	if got := s.text(t, "/r/exit?code=0"); got != `{"running":false,"monitor":{"resolved":null}}` {
		t.Errorf("its exit, seen by the object built anew: %s", got)
	}
}
