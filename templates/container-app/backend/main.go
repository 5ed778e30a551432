// Command server is the app's backend: a small HTTP API that runs in the
// container behind the Durable Object "Container". The worker passes every
// /api/* request through to it on port 3210.
//
// It keeps a counter in memory (and in COUNTER_FILE when set, so that it
// survives a restart), answers a health check, and echoes requests back for
// debugging. Standard library only, so it builds offline.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(0) // the engine timestamps container logs
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	addr := ":" + envOr("PORT", "3210")
	counter, err := newCounter(os.Getenv("COUNTER_FILE"))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           logRequests(routes(counter, time.Now())),
		ReadHeaderTimeout: 10 * time.Second,
	}

	// The engine stops a container with SIGTERM: finish the requests in
	// flight, then exit 0.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("backend listening on %s (API_VERSION=%s)", addr, os.Getenv("API_VERSION"))

	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", addr, err)
	case <-ctx.Done():
	}
	log.Print("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func routes(c *counter, started time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		host, _ := os.Hostname()
		writeJSON(w, http.StatusOK, map[string]any{
			"status":         "ok",
			"api_version":    os.Getenv("API_VERSION"),
			"hostname":       host,
			"uptime_seconds": int(time.Since(started).Seconds()),
		})
	})
	mux.HandleFunc("GET /api/counter", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int64{"value": c.get()})
	})
	mux.HandleFunc("POST /api/counter/increment", func(w http.ResponseWriter, r *http.Request) {
		by := int64(1)
		if s := r.URL.Query().Get("by"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "by must be an integer"})
				return
			}
			by = n
		}
		v, err := c.update(func(v int64) int64 { return v + by })
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]int64{"value": v})
	})
	mux.HandleFunc("POST /api/counter/reset", func(w http.ResponseWriter, r *http.Request) {
		v, err := c.update(func(int64) int64 { return 0 })
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]int64{"value": v})
	})
	// /api/echo shows the request as the backend received it, headers added
	// by the worker and the edge included.
	mux.HandleFunc("/api/echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"method":  r.Method,
			"url":     r.URL.String(),
			"host":    r.Host,
			"headers": r.Header,
			"body":    string(body),
		})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": fmt.Sprintf("no route for %s %s; try GET /api/health", r.Method, r.URL.Path),
		})
	})
	return mux
}

// counter is the app's state: one number, kept in memory and, when path is
// set, in a file written atomically.
type counter struct {
	mu    sync.Mutex
	value int64
	path  string
}

func newCounter(path string) (*counter, error) {
	c := &counter{path: path}
	if path == "" {
		return c, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read COUNTER_FILE: %w", err)
	}
	if err := json.Unmarshal(data, &c.value); err != nil {
		return nil, fmt.Errorf("read COUNTER_FILE %s: %w", path, err)
	}
	return c, nil
}

func (c *counter) get() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.value
}

// update sets the counter to f(current value) and saves it.
func (c *counter) update(f func(int64) int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.value = f(c.value)
	if c.path == "" {
		return c.value, nil
	}
	tmp := filepath.Join(filepath.Dir(c.path), "."+filepath.Base(c.path)+".tmp")
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(c.value, 10)), 0o644); err != nil {
		return c.value, fmt.Errorf("save counter: %w", err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		return c.value, fmt.Errorf("save counter: %w", err)
	}
	return c.value, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("write response: %v", err)
	}
}

// statusRecorder remembers the status a handler wrote, for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s %d %s", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
	})
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
