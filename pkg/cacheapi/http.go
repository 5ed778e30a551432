package cacheapi

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// namespaceHeader carries the name given to caches.open(name); requests of
// caches.default have none.
const namespaceHeader = "CF-Cache-Namespace"

// ServeHTTP answers workerd's cache protocol (workerd's api/cache.c++):
//   - GET with Cache-Control: only-if-cached is cache.match: the stored
//     response with CF-Cache-Status: HIT, or 504 with CF-Cache-Status: MISS;
//   - PUT is cache.put: the body is the response to keep, serialized as an
//     HTTP/1.1 message; 204 when kept, 413 when not;
//   - PURGE is cache.delete: 200 when something was deleted, else 404.
//
// The key is the cache's name and the request's host and path with query.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(namespaceHeader) + "\n" + r.Host + r.URL.RequestURI()
	switch r.Method {
	case http.MethodGet:
		s.serveMatch(w, r, key)
	case http.MethodPut:
		s.servePut(w, r, key)
	case "PURGE":
		if s.delete(key) {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusNotFound)
		}
	default:
		w.Header().Set("Allow", "GET, PUT, PURGE")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (s *Store) serveMatch(w http.ResponseWriter, r *http.Request, key string) {
	e := s.get(key)
	h := w.Header()
	if e == nil {
		h.Set("CF-Cache-Status", "MISS")
		w.WriteHeader(http.StatusGatewayTimeout)
		return
	}
	maps.Copy(h, e.header.Clone())
	h.Set("CF-Cache-Status", "HIT")
	if e.status != http.StatusOK {
		// Conditions and ranges apply to a complete 200 only.
		h.Set("Content-Length", strconv.Itoa(len(e.body)))
		w.WriteHeader(e.status)
		_, _ = w.Write(e.body)
		return
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // the stored response had none: ServeContent must not sniff one
	}
	modtime, _ := http.ParseTime(h.Get("Last-Modified"))
	// ServeContent answers If-None-Match (with the stored ETag),
	// If-Modified-Since and Range as Cloudflare's cache does.
	http.ServeContent(w, r, "", modtime, bytes.NewReader(e.body))
}

func (s *Store) servePut(w http.ResponseWriter, r *http.Request, key string) {
	e, err := s.readResponse(r.Body)
	if err != nil {
		http.Error(w, fmt.Sprintf("cache.put: %v", err), http.StatusBadRequest)
		return
	}
	if e == nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	keep, strip := ttl(e.status, e.header, s.opts.Now())
	if keep <= 0 {
		// Not cacheable: nothing is stored and what was there stays, as
		// Cloudflare's cache answers such a put.
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if strip {
		e.header.Del("Set-Cookie")
	}
	e.key = key
	e.expires = s.opts.Now().Add(keep)
	if !s.put(e) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readResponse parses the payload of a PUT: an HTTP/1.1 response whose body
// is never chunk-encoded, whatever its Transfer-Encoding says. It returns
// nil, nil for a body larger than MaxBytes.
func (s *Store) readResponse(body io.Reader) (*entry, error) {
	br := bufio.NewReader(body)
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, fmt.Errorf("read status line: %w", err)
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/") || err != nil || status < 100 || status > 999 {
		return nil, fmt.Errorf("malformed status line %q", line)
	}
	mime, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("read headers: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(br, s.opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(data)) > s.opts.MaxBytes {
		return nil, nil
	}
	header := http.Header(mime)
	// The framing of the payload, not of the response a match sends back.
	for _, k := range []string{"Content-Length", "Transfer-Encoding", "CF-Cache-Status"} {
		header.Del(k)
	}
	return &entry{status: status, header: header, body: data}, nil
}
