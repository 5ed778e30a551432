package edge

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
)

// recorder captures the status and size of a response for its event while
// keeping what the wrapped writer can do: flushing (streams, SSE), hijacking
// (WebSocket upgrades), sendfile through ReadFrom, and Unwrap for
// http.ResponseController.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	hijacked    bool
}

func (r *recorder) WriteHeader(code int) {
	if code == http.StatusNotModified && !r.wroteHeader {
		keepContentType(r.ResponseWriter.Header())
	}
	if !r.wroteHeader && code >= 200 || code == http.StatusSwitchingProtocols {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// keepContentType keeps the Content-Type of a 304 on the wire. net/http's
// HTTP/1 server deletes it from every 304 (RFC 9110 lets a server leave it
// out); Cloudflare's asset worker and wrangler dev send it, with the ETag
// and Cache-Control, and a revalidating client takes what the 304 says.
// The server looks the header up by its canonical key only, so the value
// moves to the lower-case key, which goes out as written: header names are
// case-insensitive, and HTTP/2 lower-cases them all anyway.
func keepContentType(h http.Header) {
	ct, ok := h["Content-Type"]
	if !ok || len(ct) == 0 {
		return
	}
	delete(h, "Content-Type")
	h["content-type"] = ct
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = http.StatusOK, true
	}
	var n int64
	var err error
	if rf, ok := r.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(struct{ io.Writer }{r.ResponseWriter}, src)
	}
	r.bytes += n
	return n, err
}

func (r *recorder) Flush() {
	if !r.wroteHeader {
		r.status, r.wroteHeader = http.StatusOK, true
	}
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("the connection cannot be taken over (HTTP/2 or a test recorder)")
	}
	c, rw, err := hj.Hijack()
	if err == nil {
		r.hijacked = true
	}
	return c, rw, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// statusCode is what the client got: 101 for a taken-over connection, 200
// when the handler wrote nothing at all.
func (r *recorder) statusCode() int {
	switch {
	case r.wroteHeader:
		return r.status
	case r.hijacked:
		return http.StatusSwitchingProtocols
	}
	return http.StatusOK
}

func panicMessage(p any) string {
	if err, ok := p.(error); ok {
		return "panic: " + err.Error()
	}
	return fmt.Sprintf("panic: %v", p)
}
