package devserver

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/appserver"
)

// scheduledPaths are where `wrangler dev --test-scheduled` (miniflare)
// triggers the worker's scheduled handler.
var scheduledPaths = map[string]bool{"/__scheduled": true, "/cdn-cgi/handler/scheduled": true}

// scheduledHandler answers scheduledPaths by running the scheduled handler
// of the worker in service (?cron=...&time=...), as wrangler does: "Ran
// scheduled event", or a 500 with the error. Everything else goes to next.
func scheduledHandler(app *atomic.Pointer[appserver.App], next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !scheduledPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		a := app.Load()
		q := r.URL.Query()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
		defer cancel()
		if a == nil {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "Error: the app has no worker (main) to run a scheduled event on\n")
			return
		}
		if err := a.Scheduled(ctx, q.Get("cron"), scheduledTime(q.Get("time"))); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, err.Error()+"\n")
			return
		}
		_, _ = io.WriteString(w, "Ran scheduled event")
	})
}

// scheduledTime reads ?time= as Unix seconds or, when that large, milliseconds.
func scheduledTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	if n < 1e11 {
		return time.Unix(n, 0)
	}
	return time.UnixMilli(n)
}
