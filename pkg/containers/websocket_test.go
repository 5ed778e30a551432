package containers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A Durable Object that hands WebSocket upgrades to its container's port:
// worker → object (stub.fetch) → getTcpPort(8080).fetch → the container.
const wsBoxWorker = `
import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(req: Request) {
    const c = this.ctx.container!;
    if (!c.running) c.start();
    return c.getTcpPort(8080).fetch(req);
  }
}

export default {
  fetch(req: Request, env: any) {
    return env.BOX.getByName("ws").fetch(req);
  },
};
`

// The same through the published @cloudflare/containers package, whose
// containerFetch relays the socket in JavaScript.
const wsLibWorker = `
import { Container, getContainer } from "@cloudflare/containers";

export class Box extends Container {
  defaultPort = 8080;
  sleepAfter = "30s";
}

export default {
  fetch(req: Request, env: any) {
    return getContainer(env.BOX, "lib").fetch(req);
  },
};
`

// newWSRig is newRigIn with the WebSocket echo container.
func newWSRig(t *testing.T, dir, src string) *rig {
	t.Helper()
	return newRigWith(t, dir, src, "../../testdata/durable/wsecho", "Box", "BOX", 0)
}

func wsEcho(t *testing.T, r *rig, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.srv.URL, "http")+path, nil)
	if err != nil {
		var logs []string
		for _, e := range r.rec.Events() {
			logs = append(logs, e.Source+" "+e.Message)
		}
		t.Fatalf("dial %s: %v (%v)\n%s", path, err, resp, strings.Join(logs, "\n"))
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	read := func() string {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(b)
	}
	if got := read(); got != "hello from container "+path {
		t.Fatalf("greeting %q", got)
	}
	for _, m := range []string{"one", "two", strings.Repeat("x", 70000)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
		if got := read(); got != "echo:"+m {
			t.Fatalf("echo: %.40q", got)
		}
	}
	if err := c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if typ, b, err := c.Read(ctx); err != nil || typ != websocket.MessageBinary || string(b) != "echo:\x01\x02\x03" {
		t.Fatalf("binary echo: %v %q %v", typ, b, err)
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("close")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != 4003 {
		t.Fatalf("container's close: %v", err)
	}
}

func TestWebSocketToContainer(t *testing.T) {
	r := newWSRig(t, t.TempDir(), wsBoxWorker)
	wsEcho(t, r, "/a")
	wsEcho(t, r, "/b") // the running container, a second connection
	if code, b := r.get(t, "/plain"); code != 200 || b != "plain /plain" {
		t.Fatalf("plain request: %d %q", code, b)
	}
}

func TestWebSocketCloudflareContainersPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("installs packages from npm")
	}
	dir := t.TempDir()
	installNpm(t, dir, "@cloudflare/containers@0.3")
	r := newWSRig(t, dir, wsLibWorker)
	wsEcho(t, r, "/lib")
}
