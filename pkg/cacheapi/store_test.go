package cacheapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// clock is a settable Options.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newStore(opts Options) (*Store, *clock) {
	c := &clock{t: time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)}
	opts.Now = c.now
	return New(opts), c
}

// send sends what workerd sends for one cache operation: method, the URL's
// path on host compat.test, the cache's name (CF-Cache-Namespace, "" for
// caches.default), header pairs "K: V" and a body.
func send(t *testing.T, s *Store, method, ns, path, body string, headers ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, "http://compat.test"+path, strings.NewReader(body))
	if ns != "" {
		r.Header.Set(namespaceHeader, ns)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		r.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Result()
}

// put is cache.put of a response given as its HTTP/1.1 head (status line
// and headers) and body.
func put(t *testing.T, s *Store, ns, path, head, body string) int {
	t.Helper()
	payload := strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n" + body
	return send(t, s, "PUT", ns, path, payload).StatusCode
}

// match is cache.match: the status and body of a hit, or "miss".
func match(t *testing.T, s *Store, ns, path string, headers ...string) string {
	t.Helper()
	res := send(t, s, "GET", ns, path, "", append([]string{"Cache-Control: only-if-cached"}, headers...)...)
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	switch res.Header.Get("CF-Cache-Status") {
	case "MISS":
		if res.StatusCode != http.StatusGatewayTimeout {
			t.Errorf("miss answered %d, want 504", res.StatusCode)
		}
		return "miss"
	case "HIT":
		return res.Status[:3] + " " + string(b)
	}
	t.Fatalf("GET %s: no CF-Cache-Status (%d %s)", path, res.StatusCode, b)
	return ""
}

func TestPutMatchDelete(t *testing.T) {
	s, _ := newStore(Options{})
	if got := put(t, s, "", "/a?x=1", "HTTP/1.1 200 OK\nCache-Control: max-age=60\nContent-Type: text/plain\nX-Kept: yes", "hello"); got != http.StatusNoContent {
		t.Fatalf("put = %d, want 204", got)
	}
	res := send(t, s, "GET", "", "/a?x=1", "", "Cache-Control: only-if-cached")
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(b) != "hello" || res.Header.Get("X-Kept") != "yes" ||
		res.Header.Get("Content-Type") != "text/plain" || res.Header.Get("CF-Cache-Status") != "HIT" {
		t.Errorf("match = %d %q %v", res.StatusCode, b, res.Header)
	}
	for path, want := range map[string]string{"/a": "miss", "/a?x=2": "miss", "/b": "miss"} {
		if got := match(t, s, "", path); got != want {
			t.Errorf("match %s = %q, want %q", path, got, want)
		}
	}
	if got := match(t, s, "named", "/a?x=1"); got != "miss" {
		t.Errorf("caches.open(named) sees the default cache's entry: %q", got)
	}
	if got := send(t, s, "PURGE", "", "/a?x=1", "").StatusCode; got != http.StatusOK {
		t.Errorf("delete = %d, want 200", got)
	}
	if got := send(t, s, "PURGE", "", "/a?x=1", "").StatusCode; got != http.StatusNotFound {
		t.Errorf("second delete = %d, want 404", got)
	}
	if got := match(t, s, "", "/a?x=1"); got != "miss" {
		t.Errorf("match after delete = %q", got)
	}
	if got := send(t, s, "POST", "", "/a", "").StatusCode; got != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", got)
	}
}

func TestNamespaces(t *testing.T) {
	s, _ := newStore(Options{})
	put(t, s, "", "/k", "HTTP/1.1 200 OK\nCache-Control: max-age=60", "default")
	put(t, s, "one", "/k", "HTTP/1.1 200 OK\nCache-Control: max-age=60", "one")
	if got := match(t, s, "", "/k"); got != "200 default" {
		t.Errorf("default = %q", got)
	}
	if got := match(t, s, "one", "/k"); got != "200 one" {
		t.Errorf("one = %q", got)
	}
	send(t, s, "PURGE", "one", "/k", "")
	if got := match(t, s, "", "/k"); got != "200 default" {
		t.Errorf("deleting from one removed the default's: %q", got)
	}
}

// TestWhatIsKept follows Cloudflare's rules for cache.put: Cache-Control,
// Expires, Set-Cookie and the default TTL of each status.
func TestWhatIsKept(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		kept       time.Duration // 0: not kept
	}{
		{"max-age", "HTTP/1.1 200 OK\nCache-Control: public, max-age=60", time.Minute},
		{"s-maxage wins", "HTTP/1.1 200 OK\nCache-Control: max-age=0, s-maxage=120", 2 * time.Minute},
		{"max-age=0", "HTTP/1.1 200 OK\nCache-Control: max-age=0", 0},
		{"no-store", "HTTP/1.1 200 OK\nCache-Control: no-store, max-age=60", 0},
		{"no-cache", "HTTP/1.1 200 OK\nCache-Control: no-cache, max-age=60", 0},
		{"private", "HTTP/1.1 200 OK\nCache-Control: private, max-age=60", 0},
		{"expires", "HTTP/1.1 200 OK\nExpires: Sun, 10 Mar 2024 12:05:00 GMT", 5 * time.Minute},
		{"expires past", "HTTP/1.1 200 OK\nExpires: Sun, 10 Mar 2024 11:00:00 GMT", 0},
		{"expires invalid", "HTTP/1.1 200 OK\nExpires: 0", 0},
		{"max-age over expires", "HTTP/1.1 200 OK\nCache-Control: max-age=60\nExpires: Sun, 10 Mar 2024 13:00:00 GMT", time.Minute},
		{"200 default", "HTTP/1.1 200 OK", 120 * time.Minute},
		{"301 default", "HTTP/1.1 301 Moved Permanently\nLocation: /x", 120 * time.Minute},
		{"302 default", "HTTP/1.1 302 Found\nLocation: /x", 20 * time.Minute},
		{"404 default", "HTTP/1.1 404 Not Found", 3 * time.Minute},
		{"500 default", "HTTP/1.1 500 Internal Server Error", 0},
		{"500 max-age", "HTTP/1.1 500 Internal Server Error\nCache-Control: max-age=60", time.Minute},
		{"set-cookie", "HTTP/1.1 200 OK\nCache-Control: max-age=60\nSet-Cookie: a=1", 0},
		{"private=set-cookie", "HTTP/1.1 200 OK\nCache-Control: private=Set-Cookie, max-age=60\nSet-Cookie: a=1", time.Minute},
		{"quoted private list", "HTTP/1.1 200 OK\nCache-Control: private=\"X-Id, Set-Cookie\", max-age=60\nSet-Cookie: a=1", time.Minute},
		{"private=other", "HTTP/1.1 200 OK\nCache-Control: private=X-Id, max-age=60\nSet-Cookie: a=1", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newStore(Options{})
			status := put(t, s, "", "/k", tc.head, "body")
			if tc.kept == 0 {
				if status != http.StatusRequestEntityTooLarge || match(t, s, "", "/k") != "miss" {
					t.Errorf("put = %d, match = %q; want not kept", status, match(t, s, "", "/k"))
				}
				return
			}
			if status != http.StatusNoContent {
				t.Fatalf("put = %d, want 204", status)
			}
			c.t = c.t.Add(tc.kept - time.Second)
			res := send(t, s, "GET", "", "/k", "", "Cache-Control: only-if-cached")
			if res.Header.Get("CF-Cache-Status") != "HIT" {
				t.Fatalf("miss 1s before the end of its %v", tc.kept)
			}
			if res.Header.Get("Set-Cookie") != "" {
				t.Errorf("Set-Cookie kept: %q", res.Header.Get("Set-Cookie"))
			}
			c.t = c.t.Add(time.Second)
			if got := match(t, s, "", "/k"); got != "miss" {
				t.Errorf("match after %v = %q, want miss", tc.kept, got)
			}
		})
	}
}

func TestUncacheablePutKeepsEntry(t *testing.T) {
	s, _ := newStore(Options{})
	put(t, s, "", "/k", "HTTP/1.1 200 OK\nCache-Control: max-age=60", "first")
	put(t, s, "", "/k", "HTTP/1.1 200 OK\nCache-Control: no-store", "second")
	if got := match(t, s, "", "/k"); got != "200 first" {
		t.Errorf("match = %q, want the first response", got)
	}
	put(t, s, "", "/k", "HTTP/1.1 200 OK\nCache-Control: max-age=60", "third")
	if got := match(t, s, "", "/k"); got != "200 third" {
		t.Errorf("match = %q, want the replacement", got)
	}
}

func TestConditionalAndRange(t *testing.T) {
	s, _ := newStore(Options{})
	put(t, s, "", "/k", "HTTP/1.1 200 OK\nCache-Control: max-age=60\nETag: \"v1\"\nLast-Modified: Sat, 09 Mar 2024 12:00:00 GMT", "0123456789")
	for _, tc := range []struct {
		header, want string
	}{
		{"If-None-Match: \"v1\"", "304 "},
		{"If-None-Match: W/\"v1\"", "304 "},
		{"If-None-Match: \"v2\"", "200 0123456789"},
		{"If-Modified-Since: Sat, 09 Mar 2024 12:00:00 GMT", "304 "},
		{"If-Modified-Since: Fri, 08 Mar 2024 12:00:00 GMT", "200 0123456789"},
		{"Range: bytes=2-4", "206 234"},
		{"Range: bytes=-3", "206 789"},
		{"Range: bytes=20-30", "416 "},
	} {
		got := match(t, s, "", "/k", tc.header)
		if tc.want == "416 " {
			got = got[:4]
		}
		if got != tc.want {
			t.Errorf("%s: match = %q, want %q", tc.header, got, tc.want)
		}
	}
	// A stored 404 is sent whole: conditions and ranges apply to a 200.
	put(t, s, "", "/gone", "HTTP/1.1 404 Not Found\nETag: \"g\"", "gone")
	if got := match(t, s, "", "/gone", "If-None-Match: \"g\"", "Range: bytes=0-1"); got != "404 gone" {
		t.Errorf("404: match = %q", got)
	}
	// Without a stored Content-Type, none is made up.
	res := send(t, s, "GET", "", "/k", "", "Cache-Control: only-if-cached")
	if ct, ok := res.Header["Content-Type"]; ok && len(ct) > 0 {
		t.Errorf("Content-Type = %q, the stored response had none", ct)
	}
}

// TestPayloadFraming: workerd never chunk-encodes the payload's body, even
// when the response says Transfer-Encoding: chunked; its framing headers
// are not sent back by a match.
func TestPayloadFraming(t *testing.T) {
	s, _ := newStore(Options{})
	body := "5\r\nnot a chunk\r\n0\r\n\r\n"
	put(t, s, "", "/k", "HTTP/1.1 200 OK\nCache-Control: max-age=60\nTransfer-Encoding: chunked\nContent-Length: 999\nCF-Cache-Status: HIT", body)
	res := send(t, s, "GET", "", "/k", "", "Cache-Control: only-if-cached")
	b, _ := io.ReadAll(res.Body)
	if string(b) != body || res.Header.Get("Transfer-Encoding") != "" || res.ContentLength != int64(len(body)) {
		t.Errorf("match = %q, header %v, length %d", b, res.Header, res.ContentLength)
	}
	for _, bad := range []string{"", "garbage", "HTTP/1.1 abc OK\r\n\r\n"} {
		if got := send(t, s, "PUT", "", "/bad", bad).StatusCode; got != http.StatusBadRequest {
			t.Errorf("payload %q: put = %d, want 400", bad, got)
		}
	}
}

func TestMaxBytes(t *testing.T) {
	s, _ := newStore(Options{MaxBytes: 10})
	head := "HTTP/1.1 200 OK\nCache-Control: max-age=60"
	if got := put(t, s, "", "/big", head, "01234567890"); got != http.StatusRequestEntityTooLarge {
		t.Errorf("put of 11 bytes in 10 = %d, want 413", got)
	}
	put(t, s, "", "/a", head, "aaaa")
	put(t, s, "", "/b", head, "bbbb")
	match(t, s, "", "/a") // /a is now the most recently used
	put(t, s, "", "/c", head, "cccc")
	for path, want := range map[string]string{"/a": "200 aaaa", "/b": "miss", "/c": "200 cccc"} {
		if got := match(t, s, "", path); got != want {
			t.Errorf("match %s = %q, want %q (least recently used evicted)", path, got, want)
		}
	}
}
