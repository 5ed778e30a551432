package runtime

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/dop251/goja"
)

// nativeFetch is N.fetch(fetcher, method, url, headers, body, redirect, cb):
// it sends the request off the loop and calls
// cb(err, status, statusText, handleID, hasBody, url, redirected) on the loop.
func (iso *Isolate) nativeFetch(c goja.FunctionCall) goja.Value {
	vm := iso.vm
	fid := int(c.Argument(0).ToInteger())
	method, target := c.Argument(1).String(), c.Argument(2).String()
	redirect := c.Argument(5).String()
	cb, _ := goja.AssertFunction(c.Argument(6))

	var body io.Reader
	switch b := c.Argument(4).(type) {
	case *goja.Object:
		body = bytes.NewReader(append([]byte(nil), iso.argBytes(b)...))
	default:
		if b == nil || goja.IsNull(b) || goja.IsUndefined(b) {
			break
		}
		if _, isNum := b.Export().(int64); isNum {
			rd, err := iso.takeBody(b.ToInteger())
			if err != nil {
				panic(vm.NewTypeError(err.Error()))
			}
			body = rd
			break
		}
		body = strings.NewReader(b.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		cancel()
		panic(vm.NewTypeError(fmt.Sprintf("fetch %s: %v", target, err)))
	}
	if h := c.Argument(3); !goja.IsNull(h) && !goja.IsUndefined(h) {
		flat := strings.Split(h.String(), "\x00")
		for i := 0; i+1 < len(flat); i += 2 {
			req.Header.Add(flat[i], flat[i+1])
		}
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}

	client := &http.Client{Transport: iso.pool.opts.Outbound}
	if fid > 0 {
		if fid > len(iso.fetchers) {
			cancel()
			panic(vm.NewTypeError("fetch through an unknown binding"))
		}
		client.Transport = iso.fetchers[fid-1]
		redirect = "manual"
	}
	switch redirect {
	case "manual":
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	case "error":
		client.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
			return fmt.Errorf("redirect to %s while redirect mode is \"error\"", r.URL)
		}
	}

	id := iso.newID()
	iso.aborts[id] = cancel
	actx := iso.cur
	if isUpgrade(req.Header) {
		go iso.dialFetch(ctx, cancel, id, client, req, cb, actx)
		return vm.ToValue(id)
	}
	go func() {
		resp, err := client.Do(req)
		iso.loop.post(func() {
			iso.enter(actx)
			delete(iso.aborts, id)
			if err != nil {
				cancel()
				msg := err.Error()
				if errors.Is(err, context.Canceled) {
					msg = "The operation was aborted"
				}
				iso.call(cb, goja.Undefined(), vm.ToValue(fmt.Sprintf("fetch %s %s: %s", method, target, msg)))
				return
			}
			hasBody := method != http.MethodHead && resp.StatusCode != 204 && resp.StatusCode != 304 && resp.StatusCode >= 200
			h := &handle{hdr: resp.Header, owner: reqOf(actx)}
			if hasBody {
				h.body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
			} else {
				_ = resp.Body.Close()
				cancel()
			}
			gid := iso.addHandle(h)
			final := target
			if resp.Request != nil && resp.Request.URL != nil {
				final = resp.Request.URL.String()
			}
			text := strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode)))
			iso.call(cb, goja.Undefined(), goja.Null(), vm.ToValue(resp.StatusCode), vm.ToValue(text),
				vm.ToValue(gid), vm.ToValue(hasBody), vm.ToValue(final), vm.ToValue(final != target))
		})
	}()
	return vm.ToValue(id)
}

func reqOf(c *asyncCtx) *reqState {
	if c == nil {
		return nil
	}
	return c.req
}

// cancelBody releases the request's context once its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// HandlerTransport is an http.RoundTripper that serves requests with h in
// process, streaming the response body as h writes it.
func HandlerTransport(h http.Handler) http.RoundTripper { return handlerTransport{h} }

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	pr, pw := io.Pipe()
	rw := &pipeWriter{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	if req.RemoteAddr == "" {
		req.RemoteAddr = "127.0.0.1:0"
	}
	if req.RequestURI == "" {
		req.RequestURI = req.URL.RequestURI()
	}
	if req.Body == nil {
		req.Body = http.NoBody
	}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				rw.WriteHeader(http.StatusInternalServerError)
				_ = pw.CloseWithError(fmt.Errorf("handler panicked: %v", p))
				return
			}
			rw.WriteHeader(http.StatusOK)
			_ = pw.Close()
		}()
		t.h.ServeHTTP(rw, req)
	}()
	select {
	case <-rw.ready:
	case <-req.Context().Done():
		_ = pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	var body io.ReadCloser = pr
	if rw.conn != nil {
		// A 101 that the handler hijacked: as from net/http's Transport,
		// the body is the connection, readable and writable.
		body = rw.conn
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", rw.status, http.StatusText(rw.status)),
		StatusCode:    rw.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rw.sent,
		Body:          body,
		ContentLength: -1,
		Request:       req,
	}, nil
}

// pipeWriter is the http.ResponseWriter of an in-process handler. It can be
// hijacked after a 101 (a WebSocket upgrade): the caller gets the other end
// of an in-memory connection as the response body.
type pipeWriter struct {
	header http.Header
	sent   http.Header
	status int
	pw     *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
	conn   net.Conn // the caller's end after Hijack
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.conn != nil {
		return nil, nil, errors.New("the connection was already hijacked")
	}
	mine, theirs := net.Pipe()
	w.conn = theirs
	w.once.Do(func() {
		w.status = http.StatusSwitchingProtocols
		w.sent = w.header.Clone()
		close(w.ready)
	})
	return mine, bufio.NewReadWriter(bufio.NewReader(mine), bufio.NewWriter(mine)), nil
}

func (w *pipeWriter) WriteHeader(code int) {
	if code == http.StatusSwitchingProtocols {
		// Sent with Hijack, as net/http does.
		return
	}
	w.once.Do(func() {
		w.status = code
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pw.Write(b)
}

func (w *pipeWriter) Flush() {}

// dialFetch is a fetch() with Upgrade: websocket: the handshake goes through
// client (so through a binding's transport too) and a 101 hands the
// connection to the Response's webSocket. Any other answer is an ordinary
// Response. It runs off the loop; ctx lives as long as the connection.
func (iso *Isolate) dialFetch(ctx context.Context, cancel context.CancelFunc, id int64, client *http.Client, req *http.Request, cb goja.Callable, actx *asyncCtx) {
	hdr, protos := dialHeader(req.Header)
	conn, resp, err := websocket.Dial(ctx, req.URL.String(), &websocket.DialOptions{
		HTTPClient: client, HTTPHeader: hdr, Host: req.Host, Subprotocols: protos,
	})
	iso.loop.post(func() {
		iso.enter(actx)
		vm := iso.vm
		delete(iso.aborts, id)
		if err != nil && resp == nil {
			cancel()
			msg := err.Error()
			if errors.Is(err, context.Canceled) {
				msg = "The operation was aborted"
			}
			iso.call(cb, goja.Undefined(), vm.ToValue(fmt.Sprintf("fetch %s (WebSocket upgrade): %s", req.URL, msg)))
			return
		}
		h := &handle{hdr: resp.Header, owner: reqOf(actx)}
		hasBody := false
		var wsid int64
		if err != nil {
			// The server did not switch protocols: its answer is the Response.
			h.body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
			hasBody = resp.StatusCode != 204 && resp.StatusCode != 304
			if resp.StatusCode == http.StatusSwitchingProtocols {
				iso.pool.log("warn", fmt.Sprintf("fetch %s: the WebSocket handshake failed: %v", req.URL, err))
				resp.StatusCode, hasBody = http.StatusBadGateway, true
			}
		} else {
			conn.SetReadLimit(maxMessage)
			ep := iso.newEndpoint(conn, cancel)
			ep.owner = reqOf(actx)
			wsid = ep.id
		}
		gid := iso.addHandle(h)
		text := strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode)))
		if wsid != 0 {
			text = "Switching Protocols"
		}
		target := req.URL.String()
		iso.call(cb, goja.Undefined(), goja.Null(), vm.ToValue(resp.StatusCode), vm.ToValue(text),
			vm.ToValue(gid), vm.ToValue(hasBody), vm.ToValue(target), vm.ToValue(false), vm.ToValue(wsid))
	})
}
