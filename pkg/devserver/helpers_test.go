package devserver

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// fixture copies testdata/devserver/<name> to a temp dir.
func fixture(t testing.TB, name string) string {
	t.Helper()
	return testfs.Fixture(t, filepath.Join("..", "..", "testdata", "devserver", name))
}

type devSession struct {
	url     string
	rec     *events.Recorder
	rebuild chan struct{}
	done    chan error
}

// startDev runs valet dev on dir until the test ends.
func startDev(t *testing.T, dir string) *devSession {
	t.Helper()
	return startDevWith(t, dir, Options{})
}

// startDevWith runs valet dev on dir with opts (Project, Listener, Events
// and Rebuild are the session's).
func startDevWith(t *testing.T, dir string, opts Options) *devSession {
	t.Helper()
	p, err := config.Load(config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &devSession{url: "http://" + ln.Addr().String(), rec: &events.Recorder{}, rebuild: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		opts.Project, opts.Listener, opts.Events, opts.Rebuild = p, ln, events.NewEmitter(s.rec), s.rebuild
		if opts.Isolates == 0 {
			opts.Isolates = 1
		}
		s.done <- Run(ctx, opts)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return 10s after its context ended")
		}
	})
	deadline := time.Now().Add(90 * time.Second) // a first image build included
	for time.Now().Before(deadline) {
		for _, e := range s.rec.Events() {
			if e.Kind == events.Ready {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("Run ended before ready: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("not ready after 90s")
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

type sseEvent struct{ event, data string }

// listen connects to the live reload stream like the page's client does.
func listen(t *testing.T, base string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+reloadPath, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					ev.data = strings.Join(data, "\n")
					out <- ev
				}
				ev, data = sseEvent{}, nil
			case strings.HasPrefix(line, "event: "):
				ev.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			}
		}
	}()
	return out
}

// next waits for the next event other than hello.
func next(t *testing.T, c <-chan sseEvent) sseEvent {
	t.Helper()
	for {
		select {
		case ev := <-c:
			if ev.event == msgHello {
				continue
			}
			return ev
		case <-time.After(15 * time.Second):
			t.Fatal("no live reload event after 15s")
		}
	}
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
