package devserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
)

// jsError is an uncaught exception as valet's dev wrapper sends it (the
// JSON of wrangler's middleware-miniflare3-json-error).
type jsError struct {
	Name    string   `json:"name"`
	Message string   `json:"message"`
	Stack   string   `json:"stack"`
	Cause   *jsError `json:"cause"`
}

// text is the error as wrangler dev prints it: the stack with its
// positions mapped to the sources, then each cause.
func (e *jsError) text(mapStack func(string) string) string {
	s := e.Stack
	if s == "" {
		name := e.Name
		if name == "" {
			name = "Error"
		}
		s = name + ": " + e.Message
	}
	s = strings.TrimRight(mapStack(s), "\n")
	if e.Cause != nil {
		s += "\nCaused by: " + e.Cause.text(mapStack)
	}
	return s
}

func (e *jsError) title() string {
	name := e.Name
	if name == "" {
		name = "Error"
	}
	return name + ": " + e.Message
}

// errorPages turns the worker's uncaught exceptions into valet dev's error
// page, as wrangler dev does with miniflare's: a 500 from the dev wrapper
// carrying the error (workerd.ErrorStackHeader) is logged with its stack
// mapped to the sources, and answered with an HTML page for a browser, the
// plain stack for anything else. Other answers pass through untouched.
func errorPages(next http.Handler, mapStack func(string) string, em *events.Emitter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &errorCatcher{ResponseWriter: w}
		next.ServeHTTP(c, r)
		if !c.caught {
			return
		}
		e, err := c.jsError()
		if err != nil {
			e = &jsError{Name: "Error", Message: "the worker threw, and its error could not be read: " + err.Error()}
		}
		text := e.text(mapStack)
		em.Emit(events.Event{Kind: events.Log, Source: "worker", Level: "error", Message: "Uncaught " + text, Method: r.Method, Path: r.URL.Path})
		h := w.Header()
		for _, k := range []string{"Content-Type", "Content-Length", workerd.ErrorStackHeader, workerd.ErrorStackHeader + "-Payload"} {
			h.Del(k)
		}
		h.Set("Cache-Control", "no-store")
		if wantsHTML(r) {
			h.Set("Content-Type", "text/html;charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, errorPage(e, text, r))
			return
		}
		h.Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, text)
	})
}

// errorCatcher holds back an answer that carries an uncaught exception and
// passes any other straight through.
type errorCatcher struct {
	http.ResponseWriter
	caught  bool
	started bool
	body    bytes.Buffer
}

func (c *errorCatcher) WriteHeader(code int) {
	if !c.started {
		c.started = true
		if code == http.StatusInternalServerError && c.Header().Get(workerd.ErrorStackHeader) != "" {
			c.caught = true
			return
		}
	}
	if !c.caught {
		c.ResponseWriter.WriteHeader(code)
	}
}

func (c *errorCatcher) Write(b []byte) (int, error) {
	if !c.started {
		c.WriteHeader(http.StatusOK)
	}
	if c.caught {
		if c.body.Len() < 1<<20 {
			c.body.Write(b)
		}
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

func (c *errorCatcher) Flush() {
	if c.caught {
		return
	}
	if !c.started {
		c.WriteHeader(http.StatusOK)
	}
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *errorCatcher) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := c.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the server cannot hand over the connection")
	}
	return hj.Hijack()
}

func (c *errorCatcher) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// jsError reads the error from the body, or from the header that carries
// it when the body was dropped (an answer to HEAD).
func (c *errorCatcher) jsError() (*jsError, error) {
	data := c.body.Bytes()
	if len(bytes.TrimSpace(data)) == 0 {
		s, err := url.QueryUnescape(c.Header().Get(workerd.ErrorStackHeader + "-Payload"))
		if err != nil {
			return nil, err
		}
		data = []byte(s)
	}
	var e jsError
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// wantsHTML follows wrangler dev: a browser (or fetch's default Accept of
// */*) gets the HTML page, curl and API clients the plain stack.
func wantsHTML(r *http.Request) bool {
	if strings.Contains(strings.ToLower(r.UserAgent()), "curl/") {
		return false
	}
	accept := strings.ToLower(r.Header.Get("Accept"))
	return strings.Contains(accept, "text/html") || strings.Contains(accept, "*/*") || strings.Contains(accept, "text/*")
}

// errorPage renders an uncaught exception: the message, the request, and
// the stack mapped to the user's own files. It carries the live reload
// client, so a save that fixes the code reloads it.
func errorPage(e *jsError, stack string, r *http.Request) string {
	title := html.EscapeString(e.title())
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>` + title + `</title>`)
	b.WriteString(`<style>body{font:14px/1.5 ui-monospace,monospace;margin:2rem;color:#222}` +
		`h1{font-size:1.2rem;color:#b00}pre{background:#f6f6f6;padding:1rem;overflow:auto}p{color:#555}</style></head><body>`)
	b.WriteString(`<p>The worker threw an uncaught exception while answering ` +
		html.EscapeString(r.Method+" "+r.URL.RequestURI()) + `</p><h1>` + title + `</h1><pre>`)
	b.WriteString(html.EscapeString(stack))
	b.WriteString("</pre>\n<p>Fix the code and save: this page reloads by itself.</p>\n" + clientTag + "\n</body></html>\n")
	return b.String()
}
