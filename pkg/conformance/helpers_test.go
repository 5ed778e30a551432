package conformance

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devserver"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// fixture copies testdata/conformance/<name> to a temp dir: valet dev
// writes its build under the project.
func fixture(t *testing.T, name string) string {
	t.Helper()
	return testfs.Fixture(t, filepath.Join("..", "..", "testdata", "conformance", name))
}

// dev is one `valet dev` session on a fixture, like wrangler's tests'
// runWranglerDev(dir, ["--port=0"]).
type dev struct {
	url string
	rec *events.Recorder
	// stop ends the session and waits for it (the test's end does too).
	stop func() error
}

// startDev runs valet dev on the fixture (with -c configFile when set)
// until the test ends.
func startDev(t *testing.T, name, configFile string, flags ...func(*devserver.Options)) *dev {
	t.Helper()
	d, err := tryDev(t, name, configFile, flags...)
	if err != nil {
		t.Fatalf("dev ended before ready: %v", err)
	}
	return d
}

// tryDev is startDev that returns the error of a session that ended
// before it was ready (a build or evaluation error).
func tryDev(t *testing.T, name, configFile string, flags ...func(*devserver.Options)) (*dev, error) {
	t.Helper()
	return tryDevIn(t, fixture(t, name), configFile, flags...)
}

// startDevIn is startDev on a project already in place (sessions one after
// another on one copy, which had its npm install).
func startDevIn(t *testing.T, dir, configFile string) *dev {
	t.Helper()
	d, err := tryDevIn(t, dir, configFile)
	if err != nil {
		t.Fatalf("dev ended before ready: %v", err)
	}
	return d
}

// tryDevIn is tryDev on the project in dir.
func tryDevIn(t *testing.T, dir, configFile string, flags ...func(*devserver.Options)) (*dev, error) {
	t.Helper()
	p, err := config.Load(config.LoadOptions{Dir: dir, Path: configFile})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &dev{url: "http://" + ln.Addr().String(), rec: &events.Recorder{}}
	done := make(chan error, 1)
	opts := devserver.Options{Project: p, Listener: ln, Events: events.NewEmitter(d.rec), Isolates: 1, Environ: []string{}}
	for _, f := range flags {
		f(&opts)
	}
	go func() {
		done <- devserver.Run(ctx, opts)
	}()
	ended := false
	var stopErr error
	d.stop = func() error {
		cancel()
		if ended {
			return stopErr
		}
		ended = true
		select {
		case stopErr = <-done:
		case <-time.After(10 * time.Second):
			stopErr = errors.New("dev did not stop 10s after its context ended")
		}
		return stopErr
	}
	t.Cleanup(func() {
		if err := d.stop(); err != nil {
			t.Errorf("dev: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range d.rec.Events() {
			if e.Kind == events.Ready {
				return d, nil
			}
		}
		select {
		case err := <-done:
			ended, stopErr = true, nil
			return nil, err
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("dev not ready after 30s")
	return nil, nil
}

// resp is a response read whole.
type resp struct {
	*http.Response
	body string
}

// noRedirect is undici's redirect: "manual".
var noRedirect = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

var follow = &http.Client{Timeout: 20 * time.Second}

// do sends method path (with header pairs "K: V") and reads the answer.
func (d *dev) do(t *testing.T, c *http.Client, method, path string, headers ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, d.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res, string(b)}
}

func (d *dev) get(t *testing.T, path string, headers ...string) resp {
	t.Helper()
	return d.do(t, follow, "GET", path, headers...)
}

// expect checks status and that the body contains want.
func expect(t *testing.T, r resp, status int, want string) {
	t.Helper()
	if r.StatusCode != status || !strings.Contains(r.body, want) {
		t.Errorf("%s %s = %d %q; want %d containing %q", r.Request.Method, r.Request.URL.Path, r.StatusCode, trim(r.body), status, want)
	}
}

func expectHeader(t *testing.T, r resp, key, want string) {
	t.Helper()
	if got := r.Header.Get(key); got != want {
		t.Errorf("%s %s: %s = %q, want %q", r.Request.Method, r.Request.URL.Path, key, got, want)
	}
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
