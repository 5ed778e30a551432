package runtime

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/google/uuid"
)

type native = func(goja.FunctionCall) goja.Value

// installNatives builds N, the object of Go functions the prelude closes over.
func (iso *Isolate) installNatives() *goja.Object {
	vm := iso.vm
	n := vm.NewObject()
	set := func(name string, fn native) { _ = n.Set(name, fn) }
	throwType := func(format string, a ...any) {
		panic(vm.NewTypeError(fmt.Sprintf(format, a...)))
	}

	set("now", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(float64(time.Since(iso.start).Microseconds()) / 1000)
	})
	set("log", func(c goja.FunctionCall) goja.Value {
		iso.pool.log(c.Argument(0).String(), c.Argument(1).String())
		return goja.Undefined()
	})
	set("mapStack", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(iso.pool.cleanStack(c.Argument(0).String()))
	})

	// Timers.
	set("setTimer", func(c goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			throwType("timer callback must be a function")
		}
		ms := c.Argument(1).ToFloat()
		ctx := iso.cur
		id := iso.loop.addTimer(time.Duration(ms*float64(time.Millisecond)), c.Argument(2).ToBoolean(), func() {
			iso.enter(ctx)
			iso.call(fn, goja.Undefined())
		})
		return vm.ToValue(id)
	})
	set("clearTimer", func(c goja.FunctionCall) goja.Value {
		iso.loop.clearTimer(c.Argument(0).ToInteger())
		return goja.Undefined()
	})

	// Encoding.
	set("utf8Encode", func(c goja.FunctionCall) goja.Value {
		return iso.bytes([]byte(c.Argument(0).String()))
	})
	set("utf16Length", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(utf16Len(iso.argBytes(c.Argument(0))))
	})
	set("utf8Decode", func(c goja.FunctionCall) goja.Value {
		b := iso.argBytes(c.Argument(0))
		if c.Argument(2).ToBoolean() {
			b = bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
		}
		s, ok := decodeUTF8(b, c.Argument(1).ToBoolean())
		if !ok {
			throwType("The encoded data was not valid for encoding utf-8")
		}
		return vm.ToValue(s)
	})
	set("decodeOther", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(decodeOther(c.Argument(0).String(), iso.argBytes(c.Argument(1))))
	})
	set("atob", func(c goja.FunctionCall) goja.Value {
		b, err := atob(c.Argument(0).String())
		if err != nil {
			panic(iso.domException(err.Error(), "InvalidCharacterError"))
		}
		return vm.ToValue(latin1(b))
	})
	set("btoa", func(c goja.FunctionCall) goja.Value {
		b, ok := fromLatin1(c.Argument(0).String())
		if !ok {
			panic(iso.domException("btoa: the string contains characters outside of the Latin1 range", "InvalidCharacterError"))
		}
		return vm.ToValue(base64.StdEncoding.EncodeToString(b))
	})
	set("bytesToBase64", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(base64.StdEncoding.EncodeToString(iso.argBytes(c.Argument(0))))
	})
	set("base64ToBytes", func(c goja.FunctionCall) goja.Value {
		b, _ := base64.StdEncoding.DecodeString(c.Argument(0).String())
		return iso.bytes(b)
	})
	set("decodeString", func(c goja.FunctionCall) goja.Value {
		b, err := stringToBytes(c.Argument(0).String(), c.Argument(1).String())
		if err != nil {
			throwType("%v", err)
		}
		return iso.bytes(b)
	})
	set("encodeString", func(c goja.FunctionCall) goja.Value {
		s, err := bytesToString(iso.argBytes(c.Argument(0)), c.Argument(1).String())
		if err != nil {
			throwType("%v", err)
		}
		return vm.ToValue(s)
	})

	// URL.
	// Parsed records are cached per isolate: URL objects never mutate a
	// record (setters build a new one), so sharing them is safe.
	set("urlParse", func(c goja.FunctionCall) goja.Value {
		input := c.Argument(0).String()
		key := input
		var base *string
		if len(c.Arguments) > 1 {
			b := c.Argument(1).String()
			base = &b
			key = input + "\x00" + b
		}
		if v, ok := iso.urlCache[key]; ok {
			return v
		}
		rec := urlParse(input, base)
		v := goja.Null()
		if rec != nil {
			v = iso.strings(rec)
		}
		if len(iso.urlCache) >= 512 {
			clear(iso.urlCache)
		}
		iso.urlCache[key] = v
		return v
	})
	set("urlSet", func(c goja.FunctionCall) goja.Value {
		rec := urlSet(c.Argument(0).String(), int(c.Argument(1).ToInteger()), c.Argument(2).String())
		if rec == nil {
			return goja.Null()
		}
		return iso.strings(rec)
	})
	set("uspParse", func(c goja.FunctionCall) goja.Value {
		return iso.strings(formDecode(c.Argument(0).String()))
	})
	set("uspSerialize", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(formEncode(iso.argStrings(c.Argument(0))))
	})

	// Crypto.
	set("randomHex", func(c goja.FunctionCall) goja.Value {
		b := make([]byte, c.Argument(0).ToInteger())
		_, _ = rand.Read(b)
		return vm.ToValue(hex.EncodeToString(b))
	})
	set("randomUUID", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(uuid.NewString())
	})
	set("randomFill", func(c goja.FunctionCall) goja.Value {
		_, _ = rand.Read(iso.argBytes(c.Argument(0)))
		return goja.Undefined()
	})
	set("digest", func(c goja.FunctionCall) goja.Value {
		var h hash.Hash
		switch c.Argument(0).String() {
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			h = md5.New()
		}
		h.Write(iso.argBytes(c.Argument(1)))
		return vm.ToValue(vm.NewArrayBuffer(h.Sum(nil)))
	})
	iso.installSubtle(n)
	set("timingSafeEqual", func(c goja.FunctionCall) goja.Value {
		a, b := iso.argBytes(c.Argument(0)), iso.argBytes(c.Argument(1))
		if len(a) != len(b) {
			throwType("timingSafeEqual: inputs must have the same length")
		}
		return vm.ToValue(subtle.ConstantTimeCompare(a, b) == 1)
	})

	// HTTP.
	set("statusTexts", func(c goja.FunctionCall) goja.Value {
		o := vm.NewObject()
		for code := 100; code < 600; code++ {
			if t := http.StatusText(code); t != "" {
				_ = o.Set(strconv.Itoa(code), t)
			}
		}
		return o
	})
	set("parseMultipart", func(c goja.FunctionCall) goja.Value {
		flat, err := parseMultipart(iso.argBytes(c.Argument(0)), c.Argument(1).String())
		if err != nil {
			throwType("formData(): %v", err)
		}
		out := make([]any, 0, len(flat))
		for i := 0; i < len(flat); i += 4 {
			fn := goja.Null()
			if flat[i+2] != nil {
				fn = vm.ToValue(*flat[i+2])
			}
			out = append(out, *flat[i], iso.bytes([]byte(*flat[i+1])), fn, *flat[i+3])
		}
		return vm.ToValue(out)
	})
	set("headersOf", func(c goja.FunctionCall) goja.Value {
		h := iso.handles[c.Argument(0).ToInteger()]
		if h == nil {
			return vm.ToValue([]any{})
		}
		return iso.strings(flattenHeader(h.hdr))
	})
	set("bodyRead", func(c goja.FunctionCall) goja.Value {
		iso.bodyRead(c.Argument(0).ToInteger(), c.Argument(1), false)
		return goja.Undefined()
	})
	set("bodyReadAll", func(c goja.FunctionCall) goja.Value {
		iso.bodyRead(c.Argument(0).ToInteger(), c.Argument(1), true)
		return goja.Undefined()
	})
	set("bodyClose", func(c goja.FunctionCall) goja.Value {
		if h := iso.handles[c.Argument(0).ToInteger()]; h != nil && h.body != nil && !h.busy {
			_ = h.body.Close()
			h.body = nil
		}
		return goja.Undefined()
	})
	set("fetch", iso.nativeFetch)
	set("fetchAbort", func(c goja.FunctionCall) goja.Value {
		id := c.Argument(0).ToInteger()
		if cancel := iso.aborts[id]; cancel != nil {
			cancel()
			delete(iso.aborts, id)
		}
		return goja.Undefined()
	})
	set("respond", iso.nativeRespond)
	iso.wsNatives(set)
	set("watchAbort", func(c goja.FunctionCall) goja.Value {
		if h := iso.handles[c.Argument(0).ToInteger()]; h != nil && h.owner != nil {
			h.abort = c.Argument(1).ToObject(vm)
		}
		return goja.Undefined()
	})
	set("fail", func(c goja.FunctionCall) goja.Value {
		if rs := iso.reqs[c.Argument(0).ToInteger()]; rs != nil {
			rs.fail(iso.jsError(c.Argument(1)))
		}
		return goja.Undefined()
	})
	set("hold", func(c goja.FunctionCall) goja.Value {
		iso.pool.work.Add(1)
		return goja.Undefined()
	})
	set("release", func(c goja.FunctionCall) goja.Value {
		iso.pool.work.Done()
		return goja.Undefined()
	})

	// AsyncLocalStorage frames.
	set("alsGet", func(c goja.FunctionCall) goja.Value {
		if iso.cur == nil || iso.cur.als == nil {
			return goja.Undefined()
		}
		return iso.cur.als
	})
	set("alsSet", func(c goja.FunctionCall) goja.Value {
		nc := &asyncCtx{als: c.Argument(0)}
		if iso.cur != nil {
			nc.req = iso.cur.req
		}
		iso.cur = nc
		return goja.Undefined()
	})
	iso.rpcNatives(n)
	return n
}

// strings makes a JS array of strings.
func (iso *Isolate) strings(list []string) goja.Value {
	vals := make([]any, len(list))
	for i, s := range list {
		vals[i] = iso.vm.ToValue(s)
	}
	return iso.vm.NewArray(vals...)
}

// argBytes views a BufferSource argument as a Go slice (shared, not copied).
func (iso *Isolate) argBytes(v goja.Value) []byte {
	switch x := v.Export().(type) {
	case []byte:
		return x
	case goja.ArrayBuffer:
		return x.Bytes()
	case nil:
		return nil
	}
	panic(iso.vm.NewTypeError("expected a Uint8Array or an ArrayBuffer"))
}

func (iso *Isolate) argStrings(v goja.Value) []string {
	obj := v.ToObject(iso.vm)
	n := int(obj.Get("length").ToInteger())
	out := make([]string, n)
	for i := range n {
		out[i] = obj.Get(strconv.Itoa(i)).String()
	}
	return out
}

func (iso *Isolate) domException(msg, name string) *goja.Object {
	ctor := iso.vm.Get("DOMException")
	o, err := iso.vm.New(ctor, iso.vm.ToValue(msg), iso.vm.ToValue(name))
	if err != nil {
		panic(err)
	}
	return o
}

// flattenHeader lists h as [name, value, ...] with lower-case names.
func flattenHeader(h http.Header) []string {
	out := make([]string, 0, 2*len(h))
	for k, vs := range h {
		lk := strings.ToLower(k)
		for _, v := range vs {
			out = append(out, lk, v)
		}
	}
	return out
}

// parseMultipart returns [name, value, filename|nil, type] quadruples.
func parseMultipart(body []byte, contentType string) ([]*string, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil, fmt.Errorf("content-type %q has no multipart boundary", contentType)
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var out []*string
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		name, value, typ := p.FormName(), string(data), p.Header.Get("Content-Type")
		var fn *string
		if _, dp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil {
			if f, ok := dp["filename"]; ok {
				fn = &f
			}
		}
		if typ == "" && fn != nil {
			typ = "application/octet-stream"
		}
		out = append(out, &name, &value, fn, &typ)
	}
}
