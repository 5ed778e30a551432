package devserver

import (
	"errors"
	"html"
	"net/http"
	"strings"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/edge"
)

// buildFailure is a first build that failed on the user's code (a syntax
// error in the frontend or the worker, a failing build.command): valet dev
// keeps running, shows it and retries at the next change, as vite does.
// Anything else (the engine, the port, .dev.vars) still ends valet dev.
type buildFailure struct {
	step string // "custom build", "frontend", "worker": the overlay's title
	err  error
}

func (b *buildFailure) Error() string { return b.err.Error() }
func (b *buildFailure) Unwrap() error { return b.err }

// failedStep names the step err comes from, for the overlay.
func failedStep(err error) string {
	var bf *buildFailure
	if errors.As(err, &bf) {
		return bf.step
	}
	return "build"
}

// recoverable reports whether valet dev can start on err and wait for a fix.
func recoverable(err error) bool {
	var bf *buildFailure
	return errors.As(err, &bf)
}

// brokenApp stands in for the app until its first good build: every request
// gets the error, pages as HTML with the live reload client, which shows the
// overlay and reloads once the fix builds.
func (s *Server) brokenApp() *appserver.App {
	return &appserver.App{Edge: edge.Options{Worker: brokenPage(s.live.hub), Events: s.opts.Events, Dev: true}}
}

func brokenPage(h *hub) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		errs := h.broken
		h.mu.Unlock()
		var text strings.Builder
		for _, e := range errs {
			text.WriteString("valet: " + e.Headline + "\n" + e.Text + "\n\n")
		}
		w.Header().Set("Cache-Control", "no-store")
		if !strings.Contains(r.Header.Get("Accept"), "text/html") {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(text.String()))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>valet: build failed</title></head>\n" +
			"<body><pre>" + html.EscapeString(text.String()) + "</pre>\n" +
			"<p>Fix the file and save: this page reloads by itself.</p>\n" + clientTag + "\n</body></html>\n"))
	})
}
