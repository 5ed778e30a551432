package devserver

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/appserver"
)

// Where `wrangler dev` (miniflare) triggers handlers. It serves them with
// or without --test-scheduled; the flag adds /__scheduled, which valet's
// dev wrapper answers inside the worker (workerd.EntryOptions).
const (
	handlerPrefix = "/cdn-cgi/handler/"
	scheduledPath = handlerPrefix + "scheduled"
	emailPath     = handlerPrefix + "email"
)

// handlerRoutes answers scheduledPath by running the scheduled handler of
// the worker in service (?cron=...&time=<ms>), as miniflare does: workerd's
// outcome as text ("ok"), a 500 when it is not ok. Another name under
// handlerPrefix is a 404 naming the valid ones. Everything else goes to
// next.
func handlerRoutes(app *atomic.Pointer[appserver.App], next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, handlerPrefix) || r.URL.Path == emailPath {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		if r.URL.Path != scheduledPath {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, strconv.Quote(r.URL.Path)+` is not a valid handler. Did you mean to use "`+scheduledPath+`" or "`+emailPath+`"?`)
			return
		}
		a := app.Load()
		if a == nil {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "the app has no worker (main) to run a scheduled event on\n")
			return
		}
		q := r.URL.Query()
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
		defer cancel()
		outcome, err := a.Scheduled(ctx, q.Get("cron"), scheduledTime(q.Get("time")))
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, err.Error()+"\n")
			return
		}
		if outcome != "ok" {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = io.WriteString(w, outcome)
	})
}

// scheduledTime reads ?time= as miniflare does: milliseconds since the
// epoch (?time=1745856238 is in January 1970); absent or invalid: now.
func scheduledTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
}
