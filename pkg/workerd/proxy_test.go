package workerd_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/valet-dev/valet/pkg/workerd"
)

// TestProxyStreamsAsWorkerdWrites: a streamed answer reaches the client as
// workerd writes it. The worker sends one line and keeps the stream open
// for a minute: the client reads that line long before, or the proxy held
// it back (the client gives up after 10 s).
func TestProxyStreamsAsWorkerdWrites(t *testing.T) {
	p, px := startApp(t, `export default { fetch() {
		const enc = new TextEncoder();
		const body = new ReadableStream({ async start(c) {
			c.enqueue(enc.encode("first\n"));
			await new Promise((r) => setTimeout(r, 60000));
			c.enqueue(enc.encode("last\n"));
			c.close();
		} });
		return new Response(body, { headers: { "content-type": "text/plain" } });
	} };`, nil, nil)
	srv := httptest.NewServer(px)
	// Killing workerd ends the stream (SIGTERM alone would let it run its
	// minute), so the proxy's handler returns and the server can close.
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = p.Stop(ctx)
	}()
	client := &http.Client{Timeout: 10 * time.Second}

	resp, err := client.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || first != "first\n" {
		t.Fatalf("first line: %q, %v (the proxy held the stream back)", first, err)
	}
}

// cutter is a server that drops every connection without an answer, as a
// dead cluster instance does to the instance forwarding to it.
func cutter(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestProxyAnswersACutRequestWith503: a worker whose own request loses its
// connection makes workerd close the client's connection without an
// answer ("Network connection lost."). The proxy answers 503 with
// Retry-After instead, and sends a request that may have run only once.
func TestProxyAnswersACutRequestWith503(t *testing.T) {
	up, hits := cutter(t)
	_, px := startApp(t, `export default { async fetch(req, env) {
		if (new URL(req.url).pathname === "/ok") return new Response("ok");
		return fetch(env.UPSTREAM);
	} };`, nil, func(c *Config) { c.Bindings = append(c.Bindings, TextBinding("UPSTREAM", up.URL)) })
	srv := httptest.NewServer(px)
	defer srv.Close()
	client := srv.Client()

	do := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: the client saw no answer: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, method := range []string{"GET", "POST"} {
		// A kept-alive connection to workerd first, so that the cut one
		// is reused: what a busy edge does.
		if resp, body := do("GET", "/ok"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("GET /ok: %d %q", resp.StatusCode, body)
		}
		before := hits.Load()
		resp, body := do(method, "/cut")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != RetryAfter || !strings.Contains(body, "retry") {
			t.Fatalf("%s /cut: want 503 with Retry-After %s, got %d %v %q", method, RetryAfter, resp.StatusCode, resp.Header, body)
		}
		n := hits.Load() - before
		if method == "POST" && n != 1 {
			t.Fatalf("POST /cut reached the upstream %d times; a request that may have run must be sent once", n)
		}
	}
}
