package runtime

import (
	"io"
	"net/http"
	"net/textproto"
	"reflect"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// reqState is one HTTP request in flight on an isolate.
type reqState struct {
	id      int64
	result  chan response // receives exactly one response
	done    bool          // loop only: a response or failure was sent
	handles []int64
	gid     int64 // the handle of the incoming request's headers and body
}

// response is what the worker answered, handed from the loop to the
// goroutine that writes it.
type response struct {
	status     int
	statusText string
	header     []string // name, value, name, value, ...
	str        string
	bytes      []byte
	reader     io.ReadCloser // a Go body passed through (fetch response, ASSETS)
	stream     goja.Value    // a JS ReadableStreamDefaultReader, pulled on the loop
	ws         goja.Value    // status 101: the WebSocket end Go takes over
	splice     *wsEndpoint   // status 101: the fetched connection to splice to instead
	err        *JSError
}

func (rs *reqState) send(r response) {
	if rs.done {
		return
	}
	rs.done = true
	rs.result <- r
}

func (rs *reqState) fail(err *JSError) { rs.send(response{err: err}) }

// Call is how Serve invokes JavaScript for a request: given the JS Request,
// return a Response or a promise of one. It runs on the loop.
type Call func(iso *Isolate, req goja.Value) (goja.Value, error)

// Serve answers an HTTP request with JavaScript on this isolate: it builds a
// Request from r, calls call (nil: the worker's default fetch handler), and
// streams the Response to w. The isolate keeps
// serving other requests while this one awaits I/O.
func (iso *Isolate) Serve(w http.ResponseWriter, r *http.Request, call Call) {
	iso.inflight.Add(1)
	defer iso.inflight.Add(-1)
	rs := &reqState{result: make(chan response, 1)}
	if !iso.loop.post(func() { iso.begin(rs, r, call) }) {
		http.Error(w, "worker is shutting down", http.StatusServiceUnavailable)
		return
	}
	var res response
	select {
	case res = <-rs.result:
	case <-r.Context().Done():
		// The client left: request.signal aborts, and what the request
		// holds is released once it settles.
		iso.loop.post(func() { iso.abortRequest(rs) })
		go func() {
			res := <-rs.result
			if res.reader != nil {
				_ = res.reader.Close()
			}
			iso.loop.post(func() { iso.end(rs) })
		}()
		return
	}
	iso.write(w, r, res)
	iso.loop.post(func() { iso.end(rs) })
}

// begin runs on the loop: Request in, call, settle.
func (iso *Isolate) begin(rs *reqState, r *http.Request, call Call) {
	ctx := &asyncCtx{req: rs}
	iso.enter(ctx)
	rs.id = iso.newID()
	iso.reqs[rs.id] = rs
	hasBody := r.Body != nil && r.Body != http.NoBody && r.Method != http.MethodGet && r.Method != http.MethodHead
	h := &handle{hdr: r.Header, owner: rs}
	if hasBody {
		h.body = r.Body
	}
	gid := iso.addHandle(h)
	rs.gid = gid
	vm := iso.vm
	if call == nil {
		if iso.fetch == nil {
			rs.fail(errNoFetch)
			return
		}
		v, err := iso.hooks.serve(goja.Undefined(), iso.fetch, vm.ToValue(rs.id), vm.ToValue(r.Method), vm.ToValue(requestURL(r)), vm.ToValue(gid), vm.ToValue(hasBody))
		if err != nil {
			rs.fail(iso.asJSError(err))
			iso.check(ignoreException(err))
			return
		}
		if p, ok := v.Export().(*goja.Promise); ok {
			iso.settlePromise(rs, v, p)
		}
		return
	}
	req, err := iso.hooks.incoming(goja.Undefined(), vm.ToValue(r.Method), vm.ToValue(requestURL(r)), vm.ToValue(gid), vm.ToValue(hasBody))
	if err != nil {
		rs.fail(iso.asJSError(err))
		return
	}
	v, err := call(iso, req)
	if err != nil {
		rs.fail(iso.asJSError(err))
		iso.check(ignoreException(err))
		return
	}
	if _, err := iso.hooks.settle(goja.Undefined(), vm.ToValue(rs.id), v); err != nil {
		rs.fail(iso.asJSError(err))
		iso.check(ignoreException(err))
	}
}

// abortRequest aborts request.signal of a request whose client left. Loop only.
func (iso *Isolate) abortRequest(rs *reqState) {
	h := iso.handles[rs.gid]
	if h == nil || h.abort == nil {
		return
	}
	ctl := h.abort
	h.abort = nil
	iso.enter(&asyncCtx{req: rs})
	if fn, ok := goja.AssertFunction(ctl.Get("abort")); ok {
		iso.call(fn, ctl, iso.domException("The client closed the connection", "AbortError"))
	}
}

// settlePromise finishes a request whose handler returned a promise.
func (iso *Isolate) settlePromise(rs *reqState, v goja.Value, p *goja.Promise) {
	switch p.State() {
	case goja.PromiseStateFulfilled:
		iso.call(iso.hooks.finish, goja.Undefined(), iso.vm.ToValue(rs.id), p.Result())
	case goja.PromiseStateRejected:
		// Handled here: it must not also be reported as unhandled.
		for i, u := range iso.unhandled {
			if u == p {
				iso.unhandled = append(iso.unhandled[:i], iso.unhandled[i+1:]...)
				break
			}
		}
		rs.fail(iso.jsError(p.Result()))
	default:
		iso.call(iso.hooks.settle, goja.Undefined(), iso.vm.ToValue(rs.id), v)
	}
}

// ignoreException keeps only errors that check must see (interrupts): a
// thrown exception already became the request's 500.
func ignoreException(err error) error {
	if _, ok := err.(*goja.Exception); ok {
		return nil
	}
	return err
}

// end forgets the request and closes the bodies it left unread. Loop only.
func (iso *Isolate) end(rs *reqState) {
	delete(iso.reqs, rs.id)
	iso.endSockets(rs)
	for _, id := range rs.handles {
		if h := iso.handles[id]; h != nil {
			if h.body != nil && !h.busy {
				_ = h.body.Close()
			}
			delete(iso.handles, id)
		}
	}
}

func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

// nativeRespond is N.respond(rid, status, statusText, headers, body).
func (iso *Isolate) nativeRespond(c goja.FunctionCall) goja.Value {
	rs := iso.reqs[c.Argument(0).ToInteger()]
	if rs == nil || rs.done {
		return goja.Undefined()
	}
	res := response{status: int(c.Argument(1).ToInteger()), statusText: c.Argument(2).String()}
	if h := c.Argument(3); !goja.IsNull(h) && !goja.IsUndefined(h) {
		res.header = strings.Split(h.String(), "\x00")
	}
	if res.status == http.StatusSwitchingProtocols {
		res.ws = c.Argument(5)
		if ep := iso.sockets[c.Argument(6).ToInteger()]; ep != nil {
			ep.owner = nil
			res.splice = ep
		}
		rs.send(res)
		return goja.Undefined()
	}
	switch b := c.Argument(4).(type) {
	case *goja.Object:
		switch x := b.Export().(type) {
		case []byte:
			res.bytes = append([]byte(nil), x...)
		default:
			res.stream = b
		}
	case nil:
	default:
		if goja.IsNull(b) || goja.IsUndefined(b) {
			break
		}
		if b.ExportType() == typeInt64 {
			rd, err := iso.takeBody(b.ToInteger())
			if err != nil {
				panic(iso.vm.NewTypeError(err.Error()))
			}
			res.reader = rd
			break
		}
		res.str = b.String()
	}
	rs.send(res)
	return goja.Undefined()
}

var typeInt64 = reflect.TypeOf(int64(0))

var hopByHop = map[string]bool{"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true, "Upgrade": true, "Proxy-Connection": true}

// write sends res to the client; it runs on the request's goroutine.
func (iso *Isolate) write(w http.ResponseWriter, r *http.Request, res response) {
	if res.err != nil {
		iso.pool.log("error", "Uncaught "+res.err.String())
		body := "Internal Server Error"
		if iso.pool.opts.Dev {
			body = res.err.String()
		}
		if res.err.Message == errTimeLimit {
			body = "Error: " + errTimeLimit
		}
		if iso.pool.opts.Dev && wantsHTML(r) {
			w.Header().Set("Content-Type", "text/html;charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, errorPage(res.err))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, body+"\n")
		return
	}
	if res.status == http.StatusSwitchingProtocols {
		iso.upgrade(w, r, res)
		return
	}
	hdr := w.Header()
	for i := 0; i+1 < len(res.header); i += 2 {
		k := textproto.CanonicalMIMEHeaderKey(res.header[i])
		if hopByHop[k] {
			continue
		}
		hdr[k] = append(hdr[k], res.header[i+1])
	}
	status := res.status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	switch {
	case res.reader != nil:
		w.WriteHeader(status)
		copyFlush(w, res.reader)
		_ = res.reader.Close()
	case res.stream != nil:
		w.WriteHeader(status)
		iso.pump(w, r, res.stream)
	case res.bytes != nil:
		setLength(hdr, len(res.bytes))
		w.WriteHeader(status)
		_, _ = w.Write(res.bytes)
	default:
		if res.str != "" || hdr.Get("Content-Length") == "" {
			setLength(hdr, len(res.str))
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, res.str)
	}
}

// setLength sets Content-Length from a body whose length is known, as
// workerd does: a length copied from another response's headers
// (new Response(text, {headers: upstream.headers})) would otherwise overrun
// or cut the body and corrupt the next response on a kept-alive connection.
func setLength(h http.Header, n int) {
	h["Content-Length"] = []string{strconv.Itoa(n)}
}

// copyFlush copies src to w, flushing each chunk so that streams stream.
func copyFlush(w http.ResponseWriter, src io.Reader) {
	f, _ := w.(http.Flusher)
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

type chunk struct {
	data []byte
	done bool
	err  string
}

// pump pulls a JS stream chunk by chunk and writes each as it comes.
func (iso *Isolate) pump(w http.ResponseWriter, r *http.Request, reader goja.Value) {
	f, _ := w.(http.Flusher)
	ch := make(chan chunk, 1)
	var cb goja.Value
	for {
		if !iso.loop.post(func() {
			iso.enter(nil)
			if cb == nil {
				cb = iso.vm.ToValue(func(c goja.FunctionCall) goja.Value {
					k := chunk{done: c.Argument(0).ToBoolean()}
					if !k.done {
						k.data = append([]byte(nil), iso.argBytes(c.Argument(1))...)
					}
					if e := c.Argument(2); !goja.IsNull(e) && !goja.IsUndefined(e) {
						k.err = e.String()
					}
					ch <- k
					return goja.Undefined()
				})
			}
			iso.call(iso.hooks.pull, goja.Undefined(), reader, cb)
		}) {
			return
		}
		var k chunk
		select {
		case k = <-ch:
		case <-r.Context().Done():
			iso.loop.post(func() {
				if o, ok := reader.(*goja.Object); ok {
					if cancel, ok := goja.AssertFunction(o.Get("cancel")); ok {
						_, _ = cancel(o)
					}
				}
			})
			return
		}
		if k.err != "" {
			iso.pool.log("error", "response body stream failed: "+strings.TrimSpace(k.err))
			return
		}
		if k.done {
			return
		}
		if len(k.data) > 0 {
			if _, err := w.Write(k.data); err != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
		}
	}
}

// bodyRead reads the next chunk (or everything) of a Go body off the loop
// and calls cb(err, Uint8Array|null) on it.
func (iso *Isolate) bodyRead(id int64, cbv goja.Value, all bool) {
	cb, _ := goja.AssertFunction(cbv)
	h := iso.handles[id]
	if h == nil || h.body == nil || h.busy {
		msg := goja.Null()
		if h == nil || h.busy {
			msg = iso.vm.ToValue("body is no longer readable (its request ended, or it is being read)")
		}
		if all && msg == goja.Null() {
			iso.call(cb, goja.Undefined(), goja.Null(), iso.bytes(nil))
			return
		}
		iso.call(cb, goja.Undefined(), msg, goja.Null())
		return
	}
	h.busy = true
	ctx := iso.cur
	body := h.body
	go func() {
		var (
			data []byte
			err  error
			n    int
		)
		if all {
			data, err = io.ReadAll(body)
		} else {
			data = make([]byte, 64*1024)
			n, err = body.Read(data)
			data = data[:n]
		}
		iso.loop.post(func() {
			iso.enter(ctx)
			h.busy = false
			eof := err == io.EOF || (all && err == nil)
			if err != nil && err != io.EOF {
				_ = body.Close()
				h.body = nil
				iso.call(cb, goja.Undefined(), iso.vm.ToValue("reading body: "+err.Error()), goja.Null())
				return
			}
			if eof {
				_ = body.Close()
				h.body = nil
			}
			switch {
			case all:
				iso.call(cb, goja.Undefined(), goja.Null(), iso.bytes(data))
			case len(data) > 0:
				iso.call(cb, goja.Undefined(), goja.Null(), iso.bytes(data))
			case eof:
				iso.call(cb, goja.Undefined(), goja.Null(), goja.Null())
			default:
				h.busy = false
				iso.bodyRead(id, cbv, false)
			}
		})
	}()
}
