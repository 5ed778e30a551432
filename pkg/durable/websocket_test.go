package durable

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const chatWorker = `
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  async fetch(req: Request) {
    const url = new URL(req.url);
    if (url.pathname === "/count") {
      return new Response(String(this.ctx.getWebSockets().length) + " " + this.ctx.getWebSockets("bob").length);
    }
    const name = url.searchParams.get("name") || "anon";
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [name]);
    server.serializeAttachment({ name });
    server.send("welcome " + name + " " + this.ctx.getTags(server).join(","));
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws: WebSocket, msg: string | ArrayBuffer) {
    const { name } = ws.deserializeAttachment();
    const n = ((await this.ctx.storage.get<number>("n")) || 0) + 1;
    await this.ctx.storage.put("n", n);
    for (const peer of this.ctx.getWebSockets()) peer.send(n + " " + name + ": " + msg);
  }
  async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean) {
    ws.close(code, "Durable Object is closing WebSocket");
    const { name } = ws.deserializeAttachment();
    for (const peer of this.ctx.getWebSockets()) if (peer !== ws) peer.send(name + " left " + code + " " + reason + " " + wasClean);
  }
}

// Echo is the plain (non-hibernation) way: accept() and listeners.
export class Echo extends DurableObject {
  fetch(req: Request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (e: MessageEvent) => server.send("do:" + e.data));
    return new Response(null, { status: 101, webSocket: client });
  }
}

export default {
  async fetch(req: Request, env: any) {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/room")) {
      const stub = env.ROOM.get(env.ROOM.idFromName("lobby"));
      if (url.pathname === "/room/count") return stub.fetch("http://do/count");
      return stub.fetch(req);
    }
    if (url.pathname === "/echo") {
      // The worker reads the object's socket itself and relays it.
      const r = await env.ECHO.getByName("e").fetch(req);
      const up = r.webSocket;
      up.accept();
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.addEventListener("message", (e: MessageEvent) => up.send(e.data));
      up.addEventListener("message", (e: MessageEvent) => server.send("worker:" + e.data));
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response("?", { status: 404 });
  },
};`

func wsURL(a *app, path string) string { return "ws" + strings.TrimPrefix(a.srv.URL, "http") + path }

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func send(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestWebSocketChatRoomHibernationAPI(t *testing.T) {
	a := startApp(t, chatWorker, Options{
		Bindings:    []Binding{{Name: "ROOM", Class: "Room"}, {Name: "ECHO", Class: "Echo"}},
		IdleTimeout: 100 * time.Millisecond,
	})
	alice := dial(t, wsURL(a, "/room?name=alice"))
	if got := read(t, alice); got != "welcome alice alice" {
		t.Fatalf("alice: %q", got)
	}
	bob := dial(t, wsURL(a, "/room?name=bob"))
	if got := read(t, bob); got != "welcome bob bob" {
		t.Fatalf("bob: %q", got)
	}
	send(t, alice, "hi")
	for _, c := range []*websocket.Conn{alice, bob} {
		if got := read(t, c); got != "1 alice: hi" {
			t.Fatalf("broadcast: %q", got)
		}
	}
	// Well past the idle timeout: open sockets keep the object (and its
	// in-memory sockets) alive.
	time.Sleep(400 * time.Millisecond)
	send(t, bob, "yo")
	for _, c := range []*websocket.Conn{alice, bob} {
		if got := read(t, c); got != "2 bob: yo" {
			t.Fatalf("broadcast after idle: %q", got)
		}
	}
	if got := a.get(t, "/room/count"); got != "2 1" {
		t.Fatalf("getWebSockets: %q", got)
	}
	if err := bob.Close(4000, "gone"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, alice); got != "bob left 4000 gone true" {
		t.Fatalf("close: %q", got)
	}
	deadline := time.Now().Add(3 * time.Second)
	for a.get(t, "/room/count") != "1 0" {
		if time.Now().After(deadline) {
			t.Fatalf("count after close: %q", a.get(t, "/room/count"))
		}
		time.Sleep(20 * time.Millisecond)
	}

	echo := dial(t, wsURL(a, "/echo"))
	send(t, echo, "x")
	if got := read(t, echo); got != "worker:do:x" {
		t.Fatalf("echo through the worker: %q", got)
	}
}
