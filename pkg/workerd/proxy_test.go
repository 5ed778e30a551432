package workerd_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
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
