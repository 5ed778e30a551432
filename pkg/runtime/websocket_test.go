package runtime

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialWS connects a real Go WebSocket client to the worker's path.
func dialWS(t *testing.T, base, path string, protos ...string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+path, &websocket.DialOptions{Subprotocols: protos})
	if err != nil {
		t.Fatalf("dial %s: %v (response %v)", path, err, resp)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func readText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ == websocket.MessageBinary {
		return "bin:" + string(b)
	}
	return string(b)
}

func writeText(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

const pairWorker = `
export default {
  fetch(req: Request) {
    if (req.headers.get("upgrade") !== "websocket") return new Response("expected a websocket", { status: 426 });
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.send("hello " + server.readyState);
    server.addEventListener("message", (ev: MessageEvent) => {
      if (typeof ev.data === "string") {
        if (ev.data === "bye") { server.close(4001, "asked"); return; }
        server.send("echo:" + ev.data);
      } else {
        const u = new Uint8Array(ev.data as ArrayBuffer);
        server.send(u.map((b) => b + 1));
      }
    });
    server.addEventListener("close", (ev: CloseEvent) => console.log("closed", ev.code, ev.reason, ev.wasClean));
    return new Response(null, { status: 101, webSocket: client, headers: { "x-extra": "1", "sec-websocket-protocol": "chat" } });
  },
};`

func TestWebSocketPairEcho(t *testing.T) {
	w := startWorker(t, pairWorker, nil)
	c := dialWS(t, w.srv.URL, "/ws", "chat", "other")
	if c.Subprotocol() != "chat" {
		t.Errorf("subprotocol %q, want chat", c.Subprotocol())
	}
	if got := readText(t, c); got != "hello 1" {
		t.Fatalf("first message %q", got)
	}
	writeText(t, c, "ping")
	if got := readText(t, c); got != "echo:ping" {
		t.Fatalf("echo %q", got)
	}
	if err := c.Write(context.Background(), websocket.MessageBinary, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, c); got != "bin:bcd" {
		t.Fatalf("binary echo %q", got)
	}
	writeText(t, c, "bye")
	_, _, err := c.Read(context.Background())
	if websocket.CloseStatus(err) != 4001 {
		t.Fatalf("close: %v", err)
	}
	// A client that closes is seen by the worker's close listener.
	c2 := dialWS(t, w.srv.URL, "/ws")
	readText(t, c2)
	if err := c2.Close(3005, "done"); err != nil {
		t.Fatal(err)
	}
	waitLog(t, w, "closed 3005 done true")

	// Not an upgrade: the worker's ordinary answer.
	if resp, _ := w.get(t, "/ws"); resp.StatusCode != 426 {
		t.Errorf("plain GET: %d", resp.StatusCode)
	}
}

func TestWebSocketResponseToPlainRequest(t *testing.T) {
	w := startWorker(t, `
export default {
  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("close", (e: CloseEvent) => console.log("server closed", e.code, e.wasClean));
    server.addEventListener("error", (e: ErrorEvent) => console.log("server error", e.message));
    return new Response(null, { status: 101, webSocket: client });
  },
};`, nil)
	resp, _ := w.get(t, "/")
	if resp.StatusCode < 400 {
		t.Errorf("101 to a plain GET: status %d, want an error", resp.StatusCode)
	}
	waitLog(t, w, "not a WebSocket upgrade")
	waitLog(t, w, "server closed 1006 false")
}

func waitLog(t *testing.T, w *testWorker, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range w.logs.Events() {
			if strings.Contains(e.Message, want) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	var msgs []string
	for _, e := range w.logs.Events() {
		msgs = append(msgs, e.Message)
	}
	t.Fatalf("no log %q in %q", want, msgs)
}

// upstreamEcho is a WebSocket echo server that prefixes what it sends back.
func upstreamEcho(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain" {
			_, _ = w.Write([]byte("plain"))
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"up"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		_ = c.Write(r.Context(), websocket.MessageText, []byte("up:"+r.URL.Path+":"+r.Header.Get("X-Token")))
		for {
			typ, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if string(b) == "close" {
				_ = c.Close(4002, "upstream closed")
				return
			}
			_ = c.Write(r.Context(), typ, append([]byte("up:"), b...))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWebSocketProxyToUpstream(t *testing.T) {
	up := upstreamEcho(t)
	w := startWorker(t, `
export default {
  async fetch(req: Request, env: { UP: string }) {
    const p = new URL(req.url).pathname;
    if (p === "/splice") {
      // The fast path: the fetched 101 goes back untouched.
      return fetch(env.UP + "/s", { headers: { Upgrade: "websocket", "X-Token": "t1" } });
    }
    if (p === "/forward") return fetch(new Request(env.UP + "/f", req));
    if (p === "/relay") {
      // Through JS: the worker reads the upstream and rewrites both ways.
      const r = await fetch(env.UP + "/r", { headers: { Upgrade: "websocket" } });
      const upstream = r.webSocket!;
      upstream.accept();
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      upstream.addEventListener("message", (e: MessageEvent) => server.send("js:" + e.data));
      upstream.addEventListener("close", (e: CloseEvent) => server.close(e.code, e.reason));
      server.addEventListener("message", (e: MessageEvent) => upstream.send(String(e.data).toUpperCase()));
      return new Response(null, { status: 101, webSocket: client });
    }
    if (p === "/client") {
      const ws = new WebSocket(env.UP.replace("http", "ws") + "/c", "up");
      const got: string[] = [];
      await new Promise<void>((resolve, reject) => {
        ws.addEventListener("open", () => ws.send("hi"));
        ws.addEventListener("message", (e: MessageEvent) => { got.push(e.data); if (got.length === 2) { ws.close(1000); resolve(); } });
        ws.addEventListener("error", (e: any) => reject(e.error));
      });
      return new Response(ws.protocol + " " + got.join(","));
    }
    if (p === "/refused") {
      // An upstream that does not switch protocols answers as usual.
      const r = await fetch(env.UP + "/plain", { headers: { Upgrade: "websocket" } });
      return new Response(String(r.status) + " " + (r.webSocket === null) + " " + await r.text());
    }
    return new Response("?");
  },
};`, func(o *Options) { o.Env = map[string]Binding{"UP": Var(up.URL)} })

	c := dialWS(t, w.srv.URL, "/splice")
	if got := readText(t, c); got != "up:/s:t1" {
		t.Fatalf("splice greeting %q", got)
	}
	writeText(t, c, "x")
	if got := readText(t, c); got != "up:x" {
		t.Fatalf("splice echo %q", got)
	}
	writeText(t, c, "close")
	if _, _, err := c.Read(context.Background()); websocket.CloseStatus(err) != 4002 {
		t.Fatalf("splice close: %v", err)
	}

	c = dialWS(t, w.srv.URL, "/forward", "up")
	if got := readText(t, c); got != "up:/f:" || c.Subprotocol() != "up" {
		t.Fatalf("forward greeting %q, subprotocol %q", got, c.Subprotocol())
	}

	c = dialWS(t, w.srv.URL, "/relay")
	if got := readText(t, c); got != "js:up:/r:" {
		t.Fatalf("relay greeting %q", got)
	}
	writeText(t, c, "abc")
	if got := readText(t, c); got != "js:up:ABC" {
		t.Fatalf("relay echo %q", got)
	}
	writeText(t, c, "close") // upper-cased: not the upstream's close word
	if got := readText(t, c); got != "js:up:CLOSE" {
		t.Fatalf("relay echo %q", got)
	}

	if _, body := w.get(t, "/client"); body != "up up:/c:,up:hi" {
		t.Errorf("new WebSocket: %q", body)
	}
	if _, body := w.get(t, "/refused"); body != "200 true plain" {
		t.Errorf("refused upgrade: %q", body)
	}
}

// benchEcho measures message round trips through path (one client, one
// message in flight).
func benchEcho(b *testing.B, base, path string, skip int) {
	c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	ctx := context.Background()
	for range skip {
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
	msg := []byte("ping")
	b.ResetTimer()
	for range b.N {
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWebSocketPairEcho(b *testing.B) {
	w := startWorker(b, pairWorker, nil)
	benchEcho(b, w.srv.URL, "/ws", 1)
}

func BenchmarkWebSocketSplice(b *testing.B) {
	up := upstreamEcho(b)
	w := startWorker(b, `export default { fetch(req: Request, env: { UP: string }) { return fetch(new Request(env.UP + "/s", req)); } };`,
		func(o *Options) { o.Env = map[string]Binding{"UP": Var(up.URL)} })
	benchEcho(b, w.srv.URL, "/", 1)
}
