package workerd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CFHeader carries request.cf to workerd (the http socket's cfBlobHeader).
// The proxy always sets it, so a client cannot choose its own request.cf.
const CFHeader = "cf-blob"

// Proxy forwards requests to a workerd http socket over a unix socket.
//
// It is not httputil.ReverseProxy: on a trivial route the proxy's own cost
// is what separates valet from raw workerd, and a plain HTTP/1.1 writer over
// a pool of kept-alive connections costs about half of http.Transport's
// goroutines and channel hand-offs per request.
type Proxy struct {
	socket  string
	cf      string // request.cf as JSON
	maxIdle int

	mu     sync.Mutex
	idle   []*upstreamConn
	closed bool

	// bufs holds the buffers copyBody streams answers through: one per
	// request made the garbage collector sweep 32 KB for each.
	bufs sync.Pool
}

type upstreamConn struct {
	net.Conn
	br *bufio.Reader
	bw *bufio.Writer
	// idleSince is when the connection went back to the pool.
	idleSince time.Time
}

// idleCheck is how long a pooled connection may have waited before it is
// checked for a close by workerd (peerClosed): one reused at once, as
// under load, costs no extra system call.
const idleCheck = 500 * time.Millisecond

// NewProxy returns a Proxy to the workerd socket at path. cf is the JSON of
// request.cf given to every request ("" for none).
func NewProxy(socket, cf string) *Proxy {
	return &Proxy{socket: socket, cf: cf, maxIdle: 512, bufs: sync.Pool{New: func() any { return new([32 << 10]byte) }}}
}

// Close closes the idle connections; requests in flight finish.
func (p *Proxy) Close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		_ = c.Close()
	}
	return nil
}

func (p *Proxy) get(ctx context.Context, fresh bool) (*upstreamConn, bool, error) {
	if !fresh {
		p.mu.Lock()
		if n := len(p.idle); n > 0 {
			c := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			return c, true, nil
		}
		p.mu.Unlock()
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", p.socket)
	if err != nil {
		return nil, false, fmt.Errorf("reach the worker runtime: %w", err)
	}
	return &upstreamConn{Conn: c, br: bufio.NewReaderSize(c, 32<<10), bw: bufio.NewWriterSize(c, 16<<10)}, false, nil
}

func (p *Proxy) put(c *upstreamConn) {
	p.mu.Lock()
	if p.closed || len(p.idle) >= p.maxIdle {
		p.mu.Unlock()
		_ = c.Close()
		return
	}
	c.idleSince = time.Now()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// hopHeaders are the headers of one connection, never forwarded.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Expect": true,
	"Proxy-Authenticate": true, "Proxy-Authorization": true,
}

// ErrUpstream wraps failures to reach workerd or to read its answer.
var ErrUpstream = errors.New("worker runtime")

// errCut is workerd ending a request's connection without an answer. It
// does so when the worker's request failed as a lost connection: in a
// cluster, a Durable Object whose owner died is unreachable until its lease
// expires and another instance takes it over, and every request to it
// fails with "Network connection lost.". The request may or may not have
// run, so it is not sent again; the client is told to retry.
var errCut = errors.New("the worker's request was cut off before it answered")

// RetryAfter is the Retry-After (seconds) of a request workerd cut off.
const RetryAfter = "1"

// ServeHTTP forwards r to workerd and streams the answer back.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := p.forward(w, r)
	switch {
	case err == nil:
	case errors.Is(err, errCut):
		// Never a dropped connection: a 503 the client may retry, as a
		// load balancer answers for a backend that is coming back.
		w.Header().Set("Retry-After", RetryAfter)
		http.Error(w, "valet: "+err.Error()+" (a Durable Object it reached may be moving to another instance); retry", http.StatusServiceUnavailable)
	default:
		http.Error(w, "valet: the worker runtime did not answer: "+err.Error(), http.StatusBadGateway)
	}
}

// forward returns an error only when nothing was written to w yet.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) error {
	upgrade := isUpgrade(r.Header)
	// A request that workerd may have run is sent once: only one without a
	// body whose method says it can be repeated is sent again on a new
	// connection when a kept-alive one fails (as Go's http.Transport
	// does). A kept-alive connection workerd closed while idle is seen
	// before the request goes out (peerClosed), so any request can use a
	// new one then.
	replayable := (r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody) && idempotent(r)
	fresh := false
	for {
		c, reused, err := p.get(r.Context(), fresh)
		if err != nil {
			return err
		}
		if reused && time.Since(c.idleSince) > idleCheck && peerClosed(c.Conn) {
			_ = c.Close()
			continue
		}
		if err := p.writeRequest(c, r, upgrade); err != nil {
			_ = c.Close()
			if reused && replayable {
				fresh = true
				continue
			}
			return err
		}
		resp, err := http.ReadResponse(c.br, r)
		if err != nil {
			_ = c.Close()
			if reused && replayable && isStale(err) {
				fresh = true
				continue
			}
			if isStale(err) {
				return fmt.Errorf("%w: %v", errCut, err)
			}
			return fmt.Errorf("%w: %v", ErrUpstream, err)
		}
		if resp.StatusCode == http.StatusSwitchingProtocols && upgrade {
			return p.splice(w, c, resp)
		}
		p.copyResponse(w, c, resp)
		return nil
	}
}

// idempotent reports a request that may be sent twice, by Go's
// http.Transport's rule: a safe method, or an idempotency key.
func idempotent(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return r.Header.Get("Idempotency-Key") != "" || r.Header.Get("X-Idempotency-Key") != ""
}

// isStale reports an error of a connection the peer closed: before the
// request reached it (a kept-alive one), or without answering it.
func isStale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset")
}

func (p *Proxy) writeRequest(c *upstreamConn, r *http.Request, upgrade bool) error {
	bw := c.bw
	uri := r.RequestURI
	if uri == "" || r.URL.Opaque != "" {
		uri = r.URL.RequestURI()
	}
	bw.WriteString(r.Method)
	bw.WriteByte(' ')
	bw.WriteString(uri)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(r.Host)
	bw.WriteString("\r\n")
	drop := connectionHeaders(r.Header)
	for k, vs := range r.Header {
		if hopHeaders[k] || drop[k] || k == "Host" || strings.EqualFold(k, CFHeader) {
			continue
		}
		for _, v := range vs {
			writeHeader(bw, k, v)
		}
	}
	if p.cf != "" {
		writeHeader(bw, CFHeader, p.cf)
	}
	if upgrade {
		bw.WriteString("Connection: Upgrade\r\nUpgrade: ")
		bw.WriteString(r.Header.Get("Upgrade"))
		bw.WriteString("\r\n")
	}
	switch {
	case r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0:
		if r.ContentLength == 0 && methodHasBody(r.Method) {
			bw.WriteString("Content-Length: 0\r\n")
		}
		bw.WriteString("\r\n")
	case r.ContentLength > 0:
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(r.ContentLength, 10))
		bw.WriteString("\r\n\r\n")
		if _, err := io.CopyN(bw, r.Body, r.ContentLength); err != nil {
			return fmt.Errorf("send request body: %w", err)
		}
	default:
		bw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		cw := httputil.NewChunkedWriter(bw)
		if _, err := io.Copy(flushingWriter{cw, bw}, r.Body); err != nil {
			return fmt.Errorf("send request body: %w", err)
		}
		if err := cw.Close(); err != nil {
			return err
		}
		bw.WriteString("\r\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%w: %v", ErrUpstream, err)
	}
	return nil
}

// flushingWriter flushes after every chunk, so a streamed request body
// reaches the worker as it arrives.
type flushingWriter struct {
	w  io.Writer
	bw *bufio.Writer
}

func (f flushingWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if err == nil {
		err = f.bw.Flush()
	}
	return n, err
}

func writeHeader(bw *bufio.Writer, k, v string) {
	// A value with CR or LF would split the header block; net/http's server
	// never hands one over, but requests built in-process might.
	if strings.ContainsAny(v, "\r\n") {
		return
	}
	bw.WriteString(k)
	bw.WriteString(": ")
	bw.WriteString(v)
	bw.WriteString("\r\n")
}

func methodHasBody(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
}

func connectionHeaders(h http.Header) map[string]bool {
	vs := h["Connection"]
	if len(vs) == 0 {
		return nil
	}
	drop := map[string]bool{}
	for _, v := range vs {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				drop[http.CanonicalHeaderKey(name)] = true
			}
		}
	}
	return drop
}

func isUpgrade(h http.Header) bool {
	return h.Get("Upgrade") != "" && headerHasToken(h, "Connection", "upgrade")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h[name] {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func (p *Proxy) copyResponse(w http.ResponseWriter, c *upstreamConn, resp *http.Response) {
	h := w.Header()
	drop := connectionHeaders(resp.Header)
	for k, vs := range resp.Header {
		if hopHeaders[k] || drop[k] {
			continue
		}
		h[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	buf := p.bufs.Get().(*[32 << 10]byte)
	err := copyBody(w, resp.Body, buf[:])
	p.bufs.Put(buf)
	resp.Body.Close()
	if err == nil && !resp.Close {
		p.put(c)
		return
	}
	_ = c.Close()
	if err != nil {
		// The status line is out: all that can be done for the client is
		// to end its connection, so it sees a cut answer, not a whole one.
		panic(http.ErrAbortHandler)
	}
}

// copyBody streams body to w through buf, flushing whenever workerd has
// nothing more buffered, so server-sent events and streamed answers are not
// held back. The last read needs no flush: the handler returns next, and the
// server sends what is left.
func copyBody(w http.ResponseWriter, body io.Reader, buf []byte) error {
	fl, _ := w.(http.Flusher)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			if fl != nil && n < len(buf) && err == nil {
				fl.Flush()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// splice answers an upgrade: the 101 goes to the client, then bytes flow
// both ways until either side closes.
func (p *Proxy) splice(w http.ResponseWriter, c *upstreamConn, resp *http.Response) error {
	hj, ok := w.(http.Hijacker)
	if !ok {
		_ = c.Close()
		return errors.New("the server cannot hand over the connection for an upgrade")
	}
	client, cbuf, err := hj.Hijack()
	if err != nil {
		_ = c.Close()
		return fmt.Errorf("upgrade: %w", err)
	}
	defer client.Close()
	defer c.Close()
	// Written by hand: Response.Write would add a Content-Length.
	cbuf.WriteString("HTTP/1.1 101 Switching Protocols\r\n")
	for k, vs := range resp.Header {
		for _, v := range vs {
			writeHeader(cbuf.Writer, k, v)
		}
	}
	cbuf.WriteString("\r\n")
	if err := cbuf.Flush(); err != nil {
		return nil
	}
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(c, cbuf) // client → workerd, with what the server had buffered
		closeWrite(c.Conn)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, c.br) // workerd → client, with what we had buffered
		closeWrite(client)
		done <- struct{}{}
	}()
	<-done
	// Give the other direction a moment to finish its close handshake.
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return nil
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}
