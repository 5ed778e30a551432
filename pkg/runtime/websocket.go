package runtime

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/dop251/goja"
)

// maxMessage is the largest WebSocket message accepted, as on Cloudflare.
const maxMessage = 32 << 20

// wsEndpoint is a real WebSocket connection that a JS WebSocket end stands
// for (see js/65_websocket.js): a client that upgraded through a 101
// Response, or the server a fetch() upgraded to. Writes are queued so that
// send() never blocks the loop; one goroutine writes them in order.
type wsEndpoint struct {
	id   int64
	iso  *Isolate
	conn *websocket.Conn
	ctx  context.Context
	stop context.CancelFunc // ends both pumps; the connection closes with it

	mu      sync.Mutex
	queue   []wsOut
	closing bool // a close is queued: later sends are dropped
	wake    chan struct{}

	owner  *reqState  // loop only: the request that fetched it, until it is used
	target goja.Value // loop only: the JS end this connection plays
}

type wsOut struct {
	text   bool
	data   []byte
	close  bool
	code   int
	reason string
}

// newEndpoint registers conn on the isolate and starts its writer. Loop only.
func (iso *Isolate) newEndpoint(conn *websocket.Conn, release func()) *wsEndpoint {
	ctx, cancel := context.WithCancel(context.Background())
	ep := &wsEndpoint{iso: iso, conn: conn, ctx: ctx, wake: make(chan struct{}, 1)}
	ep.stop = sync.OnceFunc(func() {
		cancel()
		if release != nil {
			release()
		}
	})
	ep.id = iso.newID()
	if iso.sockets == nil {
		iso.sockets = map[int64]*wsEndpoint{}
	}
	iso.sockets[ep.id] = ep
	go ep.writeLoop()
	go func() {
		<-ctx.Done()
		_ = conn.CloseNow()
		iso.loop.post(func() { delete(iso.sockets, ep.id) })
	}()
	return ep
}

func (ep *wsEndpoint) push(o wsOut) {
	ep.mu.Lock()
	if ep.closing {
		ep.mu.Unlock()
		return
	}
	ep.closing = o.close
	ep.queue = append(ep.queue, o)
	ep.mu.Unlock()
	select {
	case ep.wake <- struct{}{}:
	default:
	}
}

func (ep *wsEndpoint) writeLoop() {
	for {
		select {
		case <-ep.wake:
		case <-ep.ctx.Done():
			return
		}
		ep.mu.Lock()
		q := ep.queue
		ep.queue = nil
		ep.mu.Unlock()
		for _, o := range q {
			if o.close {
				// Close waits for the peer's answer, read by readLoop (or
				// by Close itself when nothing reads).
				_ = ep.conn.Close(sendableCode(o.code), o.reason)
				ep.stop()
				return
			}
			typ := websocket.MessageBinary
			if o.text {
				typ = websocket.MessageText
			}
			if err := ep.conn.Write(ep.ctx, typ, o.data); err != nil {
				ep.stop()
				return
			}
		}
	}
}

// start reads the wire and reports each message to the JS end. Loop only.
func (ep *wsEndpoint) start(target goja.Value) {
	ep.target = target
	ep.owner = nil
	go ep.readLoop()
}

func (ep *wsEndpoint) readLoop() {
	iso := ep.iso
	for {
		typ, data, err := ep.conn.Read(ep.ctx)
		if err != nil {
			kind, code, reason, msg := "close", int(websocket.CloseStatus(err)), "", ""
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				reason = ce.Reason
			} else if ep.ctx.Err() == nil {
				kind, msg = "error", err.Error()
			} else {
				code = 1006
			}
			iso.loop.post(func() {
				iso.enter(nil)
				vm := iso.vm
				iso.call(iso.hooks.wsEvent, goja.Undefined(), ep.target, vm.ToValue(kind), vm.ToValue(msg), vm.ToValue(code), vm.ToValue(reason))
			})
			ep.stop()
			return
		}
		ok := iso.loop.post(func() {
			iso.enter(nil)
			var v goja.Value
			if typ == websocket.MessageText {
				v = iso.vm.ToValue(string(data))
			} else {
				v = iso.bytes(data)
			}
			iso.call(iso.hooks.wsEvent, goja.Undefined(), ep.target, iso.vm.ToValue("message"), v, goja.Undefined(), goja.Undefined())
		})
		if !ok {
			ep.stop()
			return
		}
	}
}

// sendableCode maps codes a close frame cannot carry (1005 "no status",
// 1006 "abnormal") to a normal closure.
func sendableCode(code int) websocket.StatusCode {
	if code == 1005 || code == 1006 || code == 1015 || code < 1000 || code > 4999 {
		return websocket.StatusNormalClosure
	}
	return websocket.StatusCode(code)
}

// wsNatives are N.wsSend(id, data), N.wsClose(id, code, reason) and
// N.wsStart(id, ws). Unknown ids (connections already gone) are ignored.
func (iso *Isolate) wsNatives(set func(string, native)) {
	set("wsSend", func(c goja.FunctionCall) goja.Value {
		if ep := iso.sockets[c.Argument(0).ToInteger()]; ep != nil {
			if s, ok := c.Argument(1).Export().(string); ok {
				ep.push(wsOut{text: true, data: []byte(s)})
			} else {
				ep.push(wsOut{data: append([]byte(nil), iso.argBytes(c.Argument(1))...)})
			}
		}
		return goja.Undefined()
	})
	set("wsClose", func(c goja.FunctionCall) goja.Value {
		if ep := iso.sockets[c.Argument(0).ToInteger()]; ep != nil {
			ep.push(wsOut{close: true, code: int(c.Argument(1).ToInteger()), reason: c.Argument(2).String()})
		}
		return goja.Undefined()
	})
	set("wsStart", func(c goja.FunctionCall) goja.Value {
		if ep := iso.sockets[c.Argument(0).ToInteger()]; ep != nil {
			ep.start(c.Argument(1))
		}
		return goja.Undefined()
	})
}

// endSockets closes the connections a request fetched but never used (no
// accept(), not returned). Loop only.
func (iso *Isolate) endSockets(rs *reqState) {
	for _, ep := range iso.sockets {
		if ep.owner == rs {
			ep.stop()
		}
	}
}

// isUpgrade tells a WebSocket upgrade request.
func isUpgrade(h http.Header) bool {
	for _, v := range h.Values("Upgrade") {
		if strings.EqualFold(strings.TrimSpace(v), "websocket") {
			return true
		}
	}
	return false
}

// dialHeader is what a fetch() upgrade forwards: the caller's headers
// without those the handshake sets itself, and the subprotocols asked for.
func dialHeader(h http.Header) (http.Header, []string) {
	out := h.Clone()
	var protos []string
	for _, v := range out.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				protos = append(protos, p)
			}
		}
	}
	for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions", "Sec-Websocket-Protocol", "Host"} {
		out.Del(k)
	}
	return out, protos
}

// noDeadlines clears the server's deadlines on a hijacked connection: a
// WebSocket lives as long as its peers want.
type noDeadlines struct{ http.ResponseWriter }

func (w noDeadlines) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		_ = c.SetDeadline(time.Time{})
	}
	return c, rw, err
}

func (w noDeadlines) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// upgrade answers the client's request with the WebSocket of a 101 Response:
// it does the handshake on w, then either splices the connection to the
// upstream one the worker fetched (res.splice) or lets the JS end res.ws
// be played by it. It returns when the WebSocket is over.
func (iso *Isolate) upgrade(w http.ResponseWriter, r *http.Request, res response) {
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true}
	hdr := w.Header()
	for i := 0; i+1 < len(res.header); i += 2 {
		k := http.CanonicalHeaderKey(res.header[i])
		switch {
		case k == "Sec-Websocket-Protocol":
			for _, p := range strings.Split(res.header[i+1], ",") {
				if p = strings.TrimSpace(p); p != "" {
					opts.Subprotocols = append(opts.Subprotocols, p)
				}
			}
		case hopByHop[k], strings.HasPrefix(k, "Sec-Websocket-"), k == "Content-Length":
		default:
			hdr[k] = append(hdr[k], res.header[i+1])
		}
	}
	conn, err := websocket.Accept(noDeadlines{w}, r, opts)
	if err != nil {
		why := err.Error()
		if !isUpgrade(r.Header) {
			why = "the request is not a WebSocket upgrade (no Upgrade: websocket header)"
		}
		iso.pool.log("error", "worker returned a 101 WebSocket response, but "+why)
		if res.splice != nil {
			res.splice.stop()
		} else {
			iso.loop.post(func() {
				iso.enter(nil)
				iso.call(iso.hooks.wsBind, goja.Undefined(), res.ws, iso.vm.ToValue(0), iso.vm.ToValue(why))
			})
		}
		return
	}
	conn.SetReadLimit(maxMessage)
	if up := res.splice; up != nil {
		splice(conn, up)
		return
	}
	done := make(chan struct{})
	if !iso.loop.post(func() {
		iso.enter(nil)
		ep := iso.newEndpoint(conn, func() { close(done) })
		iso.call(iso.hooks.wsBind, goja.Undefined(), res.ws, iso.vm.ToValue(ep.id), goja.Undefined())
		ep.start(res.ws)
	}) {
		_ = conn.Close(websocket.StatusGoingAway, "worker is shutting down")
		return
	}
	<-done
}

// splice pumps messages between the client and the upstream connection in
// Go, without the worker: a fetched WebSocket returned as it came.
func splice(client *websocket.Conn, up *wsEndpoint) {
	ctx := up.ctx
	var wg sync.WaitGroup
	pump := func(from, to *websocket.Conn) {
		defer wg.Done()
		for {
			typ, data, err := from.Read(ctx)
			if err != nil {
				var ce websocket.CloseError
				if errors.As(err, &ce) {
					_ = to.Close(sendableCode(int(ce.Code)), ce.Reason)
				} else {
					_ = to.CloseNow()
				}
				up.stop()
				return
			}
			if err := to.Write(ctx, typ, data); err != nil {
				_ = from.CloseNow()
				up.stop()
				return
			}
		}
	}
	wg.Add(2)
	go pump(client, up.conn)
	go pump(up.conn, client)
	wg.Wait()
	_ = client.CloseNow()
}
