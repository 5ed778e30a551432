package containers

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// probe is the probe app with its container program compiled.
func probe(t testing.TB) *project {
	t.Helper()
	return fixture(t, "conformance/containers/probe", map[string]string{"container/server": "durable/server"})
}

// q escapes a query value.
func q(s string) string { return url.QueryEscape(s) }

// TestCtxContainerAsWorkerd makes ctx.container's calls on valet dev and
// on workerd's own local container client, in the same order, and wants
// the same answers: values, errors (class, message, exitCode, retryable),
// and what the container saw. It covers issue 11.3: monitor() after
// destroy(), a port nothing listens on, a dropped connection, Error
// objects, the CLOUDFLARE_* environment; and start()'s checks, signal(),
// an exit nobody monitors, a start that fails, entrypoint.
func TestCtxContainerAsWorkerd(t *testing.T) {
	p := probe(t)
	valet, ref := p.dev(t), p.reference(t)
	steps := []string{
		"/a/constructed",
		"/a/fetch",   // never started
		"/a/monitor", // never started
		"/a/start?listen=usr1",
		"/a/fetch",            // started, nothing listens yet: fails at once
		"/a/fetch?port=9999",  // a port nothing ever listens on
		"/a/start",            // already running
		"/a/signal?sig=10",    // SIGUSR1: the server listens now
		"/a/wait-port",        // polls until it answers
		"/a/fetch?path=/env",  // the container's environment
		"/a/fetch?path=/drop", // the container drops the connection
		"/a/fetch?path=/post&method=POST",
		"/a/fetch?path=" + q("/redirect?to=/landed"),
		"/a/fetch?path=" + q("/redirect?to=/landed&code=303") + "&method=POST",
		"/a/fetch?path=" + q("/redirect?to=/landed&code=307") + "&method=POST",
		"/a/fetch-url?url=" + q("https://container/"),
		"/a/fetch-url?url=" + q("/relative"),
		"/a/signal?sig=0",
		"/a/signal?sig=65",
		"/a/port-invalid?port=0",
		"/a/port-invalid?port=65536",
		"/a/inactivity?ms=0",
		"/a/inactivity?ms=1000",
		"/a/monitor-destroy", // monitor(), then destroy(): 137
		"/a/running",
		"/a/fetch",   // after destroy
		"/a/monitor", // the last run's end, again
		"/a/destroy", // not running: resolves
		"/a/signal?sig=15",
		"/a/start?msg=second",
		"/a/wait-port",
		"/a/monitor-signal?sig=15", // SIGTERM: exits 0
		"/a/start?msg=third",
		"/a/wait-port",
		"/a/exit?code=3", // exits by itself: running turns false
		"/a/start?msg=fourth",
		"/a/wait-port",
		"/a/destroy?reason=why",
		"/a/monitor",
		"/a/monitor", // the reason goes to the first monitor() only
		"/b/start?image=" + q("valet-no-such-image:1"),
		"/b/monitor",
		"/b/running",
		"/v/start-invalid?options=" + q(`{"env":{"A=B":"x"}}`),
		"/v/start-invalid?options=" + q(`{"env":{"A":"x\u0000"}}`),
		"/v/start-invalid?options=" + q(`{"labels":{"":"x"}}`),
		"/v/start-invalid?options=" + q(`{"labels":{"a-name-longer-than-16":"x"}}`),
		"/v/start-invalid?options=" + q(`{"image":"has space"}`),
		"/v/start-invalid?options=" + q(`{"image":"a","containerSnapshot":{"id":"b"}}`),
		"/v/start-invalid?options=" + q(`{"instance":"huge"}`),
		"/v/running",
		// workerd passes entrypoint as the container's command, after the
		// image's ENTRYPOINT (/server, which ignores its arguments).
		"/e/start?entrypoint=" + q(`["/no/such/program"]`),
		"/e/wait-port",
		"/e/destroy",
	}
	for _, s := range steps {
		want := normal(ref.text(t, s))
		got := normal(valet.text(t, s))
		if got != want {
			t.Errorf("GET %s\n valet:  %s\n workerd: %s", s, got, want)
		}
	}
}

// TestCtxContainerWebSocketAsWorkerd opens a WebSocket through
// getTcpPort().fetch to a container that echoes, on both runtimes.
func TestCtxContainerWebSocketAsWorkerd(t *testing.T) {
	p := probe(t)
	valet, ref := p.dev(t), p.reference(t)
	for _, s := range []*server{valet, ref} {
		s.text(t, "/w/start")
		s.text(t, "/w/wait-port")
	}
	want, got := wsTranscript(t, ref, "/w/ws"), wsTranscript(t, valet, "/w/ws")
	if got != want {
		t.Errorf("WebSocket through getTcpPort().fetch\n valet:  %s\n workerd: %s", got, want)
	}
	// A second connection to the same running container.
	want, got = wsTranscript(t, ref, "/w/ws"), wsTranscript(t, valet, "/w/ws")
	if got != want {
		t.Errorf("second WebSocket\n valet:  %s\n workerd: %s", got, want)
	}
}

// wsTranscript talks to the container's echo and writes down what came back.
func wsTranscript(t testing.TB, s *server, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)%s", path, err, resp, s.events)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	var out []string
	read := func() {
		typ, b, err := c.Read(ctx)
		if err != nil {
			out = append(out, "close "+websocket.CloseStatus(err).String())
			return
		}
		if len(b) > 40 {
			b = append(b[:20:20], []byte("…")...)
		}
		out = append(out, typ.String()+" "+string(b))
	}
	read() // the greeting
	for _, m := range []string{"one", "two", strings.Repeat("x", 70000)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
		read()
	}
	if err := c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	read()
	if err := c.Write(ctx, websocket.MessageText, []byte("close")); err != nil {
		t.Fatal(err)
	}
	read()
	return strings.Join(out, " | ")
}

// TestCtxContainerConnectAsWorkerd opens a raw TCP connection with
// getTcpPort().connect() and speaks HTTP/1.0 over it.
func TestCtxContainerConnectAsWorkerd(t *testing.T) {
	p := probe(t)
	valet, ref := p.dev(t), p.reference(t)
	for _, s := range []string{"/k/start", "/k/wait-port", "/k/connect"} {
		want := normal(ref.text(t, s))
		got := normal(valet.text(t, s))
		if got != want {
			t.Errorf("GET %s\n valet:  %s\n workerd: %s", s, got, want)
		}
	}
}
