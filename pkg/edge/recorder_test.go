package edge

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/assets"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
)

// A worker can stream: each Flush reaches the client before the handler
// returns (server-sent events, streamed bodies).
func TestRecorderFlushes(t *testing.T) {
	next := make(chan struct{})
	s := New(Options{Worker: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-next
		io.WriteString(w, "second\n")
	})})
	ts := httptest.NewServer(s)
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line = %q, %v", line, err)
	}
	close(next)
	if rest, _ := io.ReadAll(br); string(rest) != "second\n" {
		t.Errorf("rest = %q", rest)
	}
}

// A worker can take the connection over (WebSocket upgrade); the event
// records 101.
func TestRecorderHijacks(t *testing.T) {
	rec := &events.Recorder{}
	s := New(Options{Events: events.NewEmitter(rec), Worker: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer c.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo " + line)
		rw.Flush()
	})})
	ts := httptest.NewServer(s)
	defer ts.Close()
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	status, _ := br.ReadString('\n')
	if !strings.Contains(status, "101") {
		t.Fatalf("status line = %q", status)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil || l == "\r\n" {
			break
		}
	}
	io.WriteString(c, "hello\n")
	if got, _ := br.ReadString('\n'); got != "echo hello\n" {
		t.Errorf("echo = %q", got)
	}
	c.Close()
	waitFor(t, func() bool { return len(rec.Events()) == 1 })
	if e := rec.Events()[0]; e.Status != 101 || e.Route != RouteWorker {
		t.Errorf("event = %+v", e)
	}
}

// A 304 keeps the headers of the 200 it stands for, Content-Type included,
// over a real connection: as Cloudflare's asset worker and wrangler dev
// send it, although net/http's HTTP/1 server drops Content-Type from 304s.
func TestNotModifiedKeepsHeaders(t *testing.T) {
	s := New(Options{
		Assets: newAssets(t, assets.NotFoundSPA),
		Worker: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ETag", `"w1"`)
			if r.Header.Get("If-None-Match") == `"w1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			io.WriteString(w, "{}")
		}),
		RunWorkerFirst: config.RunWorkerFirst{Routes: []string{"/api/*"}},
	})
	ts := httptest.NewServer(s)
	defer ts.Close()
	get := func(path, inm string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	for _, path := range []string{"/about", "/app/route", "/assets/style.css", "/api/x"} {
		first := get(path, "")
		if first.StatusCode != 200 || first.Header.Get("ETag") == "" {
			t.Fatalf("GET %s = %d ETag %q", path, first.StatusCode, first.Header.Get("ETag"))
		}
		res := get(path, first.Header.Get("ETag"))
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s If-None-Match = %d, want 304", path, res.StatusCode)
		}
		for _, k := range []string{"Content-Type", "ETag", "Cache-Control"} {
			if path == "/api/x" && k == "Cache-Control" {
				continue // the worker's own answer has none
			}
			if got, want := res.Header.Get(k), first.Header.Get(k); got != want {
				t.Errorf("GET %s 304 %s = %q, the 200 had %q", path, k, got, want)
			}
		}
	}
}
