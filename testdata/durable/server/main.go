// Command server is the test container of valet's container tests: a
// static HTTP server on PORT (default 8080) that answers with its
// environment, crashes, exits or drops the connection on request, dials an
// address on request, echoes WebSocket messages, and exits 0 on SIGTERM.
// Standard library only (the image is FROM scratch, built without modules).
//
// It starts listening after $DELAY (a duration), or, with LISTEN=usr1, once
// it gets SIGUSR1: a test can hold it not listening as long as it needs.
//
//	/exit/N   answers, then exits with code N
//	/env      the environment, as a JSON object
//	/drop     closes the connection without an answer
//	/redirect?to=URL&code=N  redirects (302 unless code says)
//	…/dial/HOST:PORT  "dial HOST:PORT: connected" or "dial HOST:PORT:
//	          failed: ..." (tests of network isolation)
//	Upgrade: websocket  greets with "hello from container <path>", echoes
//	          each message as "echo:<msg>", "close" closes with 4003
//	anything else  "hello $MSG METHOD URI <n> host=<hostname>"
package main

import (
	"context"
	"encoding/json"
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
	if os.Getenv("LISTEN") == "usr1" {
		usr1 := make(chan os.Signal, 1)
		signal.Notify(usr1, syscall.SIGUSR1)
		fmt.Println("waiting for SIGUSR1 to listen")
		<-usr1
		signal.Stop(usr1)
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
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(env)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.URL.Query().Get("code"))
		if err != nil {
			code = http.StatusFound
		}
		http.Redirect(w, r, r.URL.Query().Get("to"), code)
	})
	mux.HandleFunc("/drop", func(w http.ResponseWriter, r *http.Request) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			echo(w, r)
			return
		}
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
