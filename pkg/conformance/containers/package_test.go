package containers

import (
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// TestCloudflareContainersPackage runs a project written for Cloudflare on
// the published @cloudflare/containers (0.3.7, from npm) under valet dev:
// getRandom spreads requests over three objects, each with its container;
// the package relays a WebSocket; and once idle for sleepAfter the package
// stops every container by itself, and the next request starts one anew.
func TestCloudflareContainersPackage(t *testing.T) {
	p := fixture(t, "conformance/containers/hono", map[string]string{"container/server": "durable/server"})
	testfs.NpmInstall(t, p.dir)
	s := p.dev(t)

	hosts := map[string]bool{}
	for i := 0; i < 30 && len(hosts) < 2; i++ {
		b := s.text(t, "/lb/x")
		if !strings.HasPrefix(b, "hello from-lib GET /lb/x") {
			t.Fatalf("/lb/x = %q", b)
		}
		hosts[b[strings.Index(b, "host="):]] = true
	}
	if len(hosts) < 2 {
		t.Fatalf("getRandom reached one container only: %v", hosts)
	}
	if n := p.running(t, "ctr-hono"); n < 2 || n > 3 {
		t.Fatalf("%d containers run, want 2 or 3", n)
	}
	one := s.text(t, "/one/a")
	if !strings.HasPrefix(one, "hello from-lib GET /one/a ") {
		t.Fatalf("/one/a = %q", one)
	}
	if st := s.text(t, "/state"); !strings.Contains(st, `"status":"healthy"`) {
		t.Fatalf("/state = %s", st)
	}
	want := "MessageText hello from container /ws/lib | MessageText echo:one | MessageText echo:two | MessageText echo:xxxxxxxxxxxxxxx… | MessageBinary echo:\x01\x02\x03 | close StatusCode(4003)"
	if got := wsTranscript(t, s, "/ws/lib"); got != want {
		t.Errorf("WebSocket relayed by the package:\n got  %q\n want %q", got, want)
	}

	// Idle for sleepAfter (2s), each object's alarm signals its container,
	// which exits; the package then calls onStop. Wait for those events,
	// not for a time.
	started := s.events.count(func(e events.Event) bool { return e.Kind == events.ContainerState && e.State == "starting" })
	stopped := func(e events.Event) bool { return e.Kind == events.ContainerState && e.State == "stopped" }
	s.events.awaitCount(t, "every container stopped", stopped, started)
	onStop := func(e events.Event) bool {
		return e.Kind == events.Log && strings.Contains(e.Message, "container stopped 0 exit")
	}
	s.events.awaitCount(t, "onStop of every object", onStop, started)
	if n := p.running(t, "ctr-hono"); n != 0 {
		t.Fatalf("%d containers still run after they all stopped", n)
	}
	if st := s.text(t, "/state"); !strings.Contains(st, `"status":"stopped`) {
		t.Fatalf("/state after sleepAfter = %s", st)
	}
	again := s.text(t, "/one/again")
	if !strings.HasPrefix(again, "hello from-lib GET /one/again ") || again[strings.Index(again, "host="):] == one[strings.Index(one, "host="):] {
		t.Fatalf("/one/again = %q (before the sleep: %q)", again, one)
	}
}
