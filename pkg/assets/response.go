package assets

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Compression below this size costs more than it saves.
const minCompressSize = 1024

// Header values shared by all responses (len == cap, see entry).
var (
	hCacheControl = []string{"public, max-age=0, must-revalidate"}
	hVary         = []string{"Accept-Encoding"}
	hGzip         = []string{"gzip"}
	hBytes        = []string{"bytes"}
	hAllow        = []string{"GET, HEAD"}
)

// write sends the response for m. _headers rules apply to every answer of
// the assets, redirects and 404s included, as on Cloudflare.
func (s *Server) write(w http.ResponseWriter, r *http.Request, ix *index, m Match) {
	h := w.Header()
	switch m.Kind {
	case KindFile:
		s.writeFile(w, r, ix, m)
		return
	case KindRedirect:
		h.Set("Location", m.Location)
	case KindMethod:
		h["Allow"] = hAllow
	default:
		m.Status = http.StatusNotFound
	}
	ix.headers.apply(h, hostOnly(r.Host), m.pathname)
	w.WriteHeader(m.Status)
}

func (s *Server) writeFile(w http.ResponseWriter, r *http.Request, ix *index, m Match) {
	e, h := m.e, w.Header()
	_, hasRange := r.Header["Range"]
	gz := e.compress && !hasRange && acceptsGzip(r.Header.Get("Accept-Encoding")) && e.gzipped(&ix.gzBudget)

	h["Content-Type"] = e.hCType
	if gz {
		h["Etag"] = e.hWeakETag // another representation: a strong ETag must differ
	} else {
		h["Etag"] = e.hETag
	}
	// Like Cloudflare: browsers revalidate every time (the ETag makes that a
	// 304), except for personalised (Authorization) and partial requests.
	if _, auth := r.Header["Authorization"]; !auth && !hasRange {
		h["Cache-Control"] = hCacheControl
	}
	if e.compress {
		h["Vary"] = hVary
	}
	ix.headers.apply(h, hostOnly(r.Host), m.pathname)

	if etagMatches(r.Header.Get("If-None-Match"), e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if hasRange && m.Status == http.StatusOK {
		s.writeRange(w, r, e)
		return
	}
	switch {
	case gz:
		h["Content-Encoding"] = hGzip
		h["Content-Length"] = e.hGzLen
		w.WriteHeader(m.Status)
		if r.Method != http.MethodHead {
			w.Write(e.gz)
		}
	case e.data != nil:
		h["Content-Length"] = e.hLen
		h["Accept-Ranges"] = hBytes
		w.WriteHeader(m.Status)
		if r.Method != http.MethodHead {
			w.Write(e.data)
		}
	default:
		f, err := os.Open(e.file)
		if err != nil {
			http.Error(w, "asset "+e.key+" vanished since the directory was indexed; rebuild or reload", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		}
		h["Accept-Ranges"] = hBytes
		w.WriteHeader(m.Status)
		if r.Method != http.MethodHead {
			io.Copy(w, f)
		}
	}
}

// writeRange answers a Range request (single, multiple, unsatisfiable: 416)
// with net/http's implementation, which also honours If-Range.
func (s *Server) writeRange(w http.ResponseWriter, r *http.Request, e *entry) {
	var rs io.ReadSeeker
	if e.data != nil {
		rs = bytes.NewReader(e.data)
	} else {
		f, err := os.Open(e.file)
		if err != nil {
			http.Error(w, "asset "+e.key+" vanished since the directory was indexed; rebuild or reload", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		rs = f
	}
	http.ServeContent(w, r, "", time.Time{}, rs)
}

// gzipped compresses the entry once, keeping the result when it is smaller
// and the budget allows; it reports whether a gzip body is available.
func (e *entry) gzipped(budget *atomic.Int64) bool {
	e.gzOnce.Do(func() {
		if e.data == nil {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(e.data)
		zw.Close()
		if buf.Len() >= len(e.data)*9/10 || budget.Add(-int64(buf.Len())) < 0 {
			return
		}
		e.gz = bytes.Clone(buf.Bytes())
		e.hGzLen = []string{strconv.Itoa(len(e.gz))}
	})
	return e.gz != nil
}

// acceptsGzip parses Accept-Encoding: gzip (or *) with a q-value above 0.
func acceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	star := false
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		ok := qValue(params) > 0
		if name == "gzip" {
			return ok
		}
		star = ok
	}
	return star
}

func qValue(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(p), "=")
		if found && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0
			}
			return q
		}
	}
	return 1
}

// etagMatches is If-None-Match's weak comparison against a list or "*".
func etagMatches(inm, etag string) bool {
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' && t[1:len(t)-1] == etag {
			return true
		}
	}
	return false
}
