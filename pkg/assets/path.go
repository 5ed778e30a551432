package assets

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Paths go through the steps of Cloudflare's asset worker so that the same
// request finds the same file: the pathname as a WHATWG URL parser leaves it
// (dot segments resolved, still percent-encoded), then each segment decoded
// with decodeURIComponent and repeated slashes collapsed for the lookup, then
// re-encoded with encodeURIComponent as the canonical form that a request is
// redirected to when it differs.

// requestPath returns the percent-encoded pathname of r with dot segments
// resolved, as the Workers runtime's URL.pathname would show it.
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if p == "" || p[0] != '/' {
		// Absolute-form targets ("GET http://host/x") and requests built
		// in-process: the parsed URL already separated the path.
		p = r.URL.EscapedPath()
	} else if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if i := strings.IndexByte(p, '#'); i >= 0 {
		p = p[:i]
	}
	return removeDotSegments(p)
}

// removeDotSegments resolves "." and ".." segments, including their
// percent-encoded spellings (%2e), the way the URL standard does: they never
// reach the lookup, and ".." never climbs above the root.
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	if !strings.Contains(p, "/.") && !containsFold(p, "%2e") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch {
		case isDoubleDot(s):
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		case isSingleDot(s):
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

func isSingleDot(s string) bool { return s == "." || strings.EqualFold(s, "%2e") }

func isDoubleDot(s string) bool {
	switch strings.ToLower(s) {
	case "..", ".%2e", "%2e.", "%2e%2e":
		return true
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}

// decodePath decodes each segment (a malformed or non-UTF-8 escape leaves
// its segment as it is, like decodeURIComponent throwing) and collapses
// repeated slashes, which could otherwise produce "//host" redirects.
func decodePath(p string) string {
	if strings.IndexByte(p, '%') >= 0 {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if strings.IndexByte(s, '%') < 0 {
				continue
			}
			if d, err := url.PathUnescape(s); err == nil && utf8.ValidString(d) {
				segs[i] = d
			}
		}
		p = strings.Join(segs, "/")
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	return p
}

// encodePath applies encodeURIComponent to each segment.
func encodePath(p string) string {
	clean := true
	for i := 0; i < len(p); i++ {
		if p[i] != '/' && !uriUnreserved(p[i]) {
			clean = false
			break
		}
	}
	if clean {
		return p
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p) + 16)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' || uriUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// uriUnreserved is the set encodeURIComponent leaves alone.
func uriUnreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', '!', '~', '*', '\'', '(', ')':
		return true
	}
	return false
}

// unsafePath reports a decoded path that must never name an asset: NUL,
// backslashes (browsers read "\" as "/", so "/\evil.com" is a redirect to
// another host) and other control characters.
func unsafePath(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return true
		}
	}
	return len(p) == 0 || p[0] != '/'
}

// RequestPath is r's pathname as the Workers runtime sees it (percent-encoded,
// dot segments resolved): what run_worker_first, _headers and _redirects
// rules match against.
func RequestPath(r *http.Request) string { return requestPath(r) }
