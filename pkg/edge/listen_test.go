package edge

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestListenAndServe_PortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	port := ln.Addr().(*net.TCPAddr).Port

	err = ListenAndServe(context.Background(), addr, http.NotFoundHandler(), nil)
	var inUse *PortInUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("err = %v, want *PortInUseError", err)
	}
	want := addr + " is already in use (by pid " + strconv.Itoa(os.Getpid())
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want prefix %q", err, want)
	}
	if !strings.HasSuffix(err.Error(), "; pass --port "+strconv.Itoa(port+1)+" or stop the other process") {
		t.Errorf("error = %q does not say how to fix it", err)
	}
}

func TestPortInUseError_UnknownOwner(t *testing.T) {
	e := &PortInUseError{Addr: "127.0.0.1:8787", Port: 8787}
	if got, want := e.Error(), "127.0.0.1:8787 is already in use; pass --port 8788 or stop the other process"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestListenAndServe_GracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- ListenAndServe(ctx, "127.0.0.1:0", h, func(u string) { urls <- u }) }()
	url := <-urls
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("ready URL = %q", url)
	}

	type result struct {
		body string
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- result{string(b), err}
	}()
	<-started
	cancel() // shutdown begins with a request in flight

	// New connections are refused once shutdown began.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("ListenAndServe returned %v before the in-flight request finished", err)
	default:
	}
	close(release)
	if r := <-slow; r.err != nil || r.body != "done" {
		t.Errorf("in-flight request = %q, %v; want done", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("ListenAndServe = %v, want nil after a graceful shutdown", err)
	}
}

func TestURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8787": "http://127.0.0.1:8787",
		"0.0.0.0:80":     "http://localhost:80",
		"[::]:8787":      "http://localhost:8787",
		"[::1]:8787":     "http://[::1]:8787",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := URL(a); got != want {
			t.Errorf("URL(%s) = %q, want %q", addr, got, want)
		}
	}
}
