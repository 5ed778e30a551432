package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// Server timeouts. There is no write timeout: a worker may stream (SSE,
// long downloads) for as long as the client listens.
const (
	ReadHeaderTimeout = 10 * time.Second
	IdleTimeout       = 120 * time.Second
	ShutdownTimeout   = 30 * time.Second
)

// PortInUseError says that the address is taken, by whom when it can tell.
type PortInUseError struct {
	Addr    string // host:port as asked
	Port    int
	PID     int    // 0 when unknown
	Command string // the process's name when known
}

func (e *PortInUseError) Error() string {
	by := ""
	if e.PID > 0 {
		by = fmt.Sprintf(" (by pid %d", e.PID)
		if e.Command != "" {
			by += ", " + e.Command
		}
		by += ")"
	}
	return fmt.Sprintf("%s is already in use%s; pass --port %d or stop the other process", e.Addr, by, e.Port+1)
}

// ListenAndServe serves h on addr until ctx ends, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (30 s at
// most) and returns nil. ready gets the URL to print once the port is bound.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError(addr, err)
	}
	if ready != nil {
		ready(URL(ln.Addr()))
	}
	return Serve(ctx, ln, h)
}

// Serve is ListenAndServe on a listener the caller opened; it closes ln.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		// Requests keep their context when the server is told to stop, so
		// the ones in flight can finish during the drain.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		// Business code never prints; connection-level noise is dropped.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	shutdown := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
		defer cancel()
		err := srv.Shutdown(sctx)
		if err != nil {
			srv.Close()
			err = fmt.Errorf("requests still running after %s were cut off: %w", ShutdownTimeout, err)
		}
		shutdown <- err
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	return <-shutdown
}

// URL is the address to open in a browser for a listener: a wildcard bind
// is reached through localhost.
func URL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

func listenError(addr string, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	_, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	e := &PortInUseError{Addr: addr, Port: port}
	e.PID, e.Command = portOwner(port)
	return e
}
