// Command server is the test container of pkg/containers and pkg/durable:
// a static HTTP server on PORT (default 8080) that answers with its
// environment, crashes or exits on request, dials an address on request
// (a path ending in /dial/HOST:PORT answers "dial HOST:PORT: connected" or
// "dial HOST:PORT: failed: ..."), and exits 0 on SIGTERM.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if d, err := time.ParseDuration(os.Getenv("DELAY")); err == nil {
		time.Sleep(d) // a slow start: nothing listens yet
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	var hits atomic.Int64
	host, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("/exit/", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Path[len("/exit/"):])
		fmt.Fprintln(w, "exiting", code)
		w.(http.Flusher).Flush()
		go func() { time.Sleep(10 * time.Millisecond); os.Exit(code) }()
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if i := strings.LastIndex(r.URL.Path, "/dial/"); i >= 0 {
			dial(w, r.URL.Path[i+len("/dial/"):])
			return
		}
		n := hits.Add(1)
		w.Header().Set("X-Host", host)
		fmt.Fprintf(w, "hello %s %s %s %d host=%s\n", os.Getenv("MSG"), r.Method, r.URL.RequestURI(), n, host)
	})
	srv := &http.Server{Addr: ":" + port, Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		fmt.Println("listening on", port)
		if err := srv.ListenAndServe(); err != http.ErrServerClosed {
			fmt.Println(err)
			os.Exit(1)
		}
	}()
	<-ctx.Done()
	fmt.Println("terminating")
	_ = srv.Shutdown(context.Background())
}

// dial opens a TCP connection to addr from inside the container and says
// whether it got through (tests of network isolation).
func dial(w http.ResponseWriter, addr string) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		fmt.Fprintf(w, "dial %s: failed: %v\n", addr, err)
		return
	}
	c.Close()
	fmt.Fprintf(w, "dial %s: connected\n", addr)
}
