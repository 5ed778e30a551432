package cacheapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// defaultTTL is how long Cloudflare keeps a response that has neither a
// Cache-Control freshness directive nor Expires, by status ("Edge TTL" in
// Cloudflare's cache docs); other statuses are not kept.
func defaultTTL(status int) time.Duration {
	switch status {
	case 200, 206, 301:
		return 120 * time.Minute
	case 302, 303:
		return 20 * time.Minute
	case 404, 410:
		return 3 * time.Minute
	}
	return 0
}

// directives parses Cache-Control into lower-case names and their values
// ("max-age" → "600", "private" → "set-cookie", "no-store" → "").
func directives(header http.Header) map[string]string {
	d := map[string]string{}
	for _, line := range header.Values("Cache-Control") {
		for _, part := range splitOutsideQuotes(line) {
			name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			d[name] = strings.Trim(strings.TrimSpace(value), `"`)
		}
	}
	return d
}

// ttl decides whether a response may be kept and for how long, as
// Cloudflare's cache does for cache.put: no-store, no-cache and private
// (without field names) keep nothing; s-maxage, then max-age, then Expires
// give the time to live; else the default TTL of the status. A response
// that sets cookies is not kept, unless private=Set-Cookie (or
// no-cache=Set-Cookie) says to drop the cookies and keep the rest:
// stripCookies is then true.
func ttl(status int, header http.Header, now time.Time) (keep time.Duration, stripCookies bool) {
	d := directives(header)
	if _, ok := d["no-store"]; ok {
		return 0, false
	}
	for _, name := range []string{"private", "no-cache"} {
		v, ok := d[name]
		if !ok {
			continue
		}
		if !namesSetCookie(v) {
			return 0, false
		}
		stripCookies = true
	}
	if len(header.Values("Set-Cookie")) > 0 && !stripCookies {
		return 0, false
	}
	for _, name := range []string{"s-maxage", "max-age"} {
		if v, ok := d[name]; ok {
			secs, err := strconv.ParseInt(v, 10, 64)
			if err != nil || secs <= 0 {
				return 0, stripCookies
			}
			return time.Duration(secs) * time.Second, stripCookies
		}
	}
	if v := header.Get("Expires"); v != "" {
		at, err := http.ParseTime(v)
		if err != nil {
			return 0, stripCookies // an invalid Expires means already expired (RFC 9111)
		}
		return at.Sub(now), stripCookies
	}
	return defaultTTL(status), stripCookies
}

// splitOutsideQuotes splits a header value at the commas that are not in a
// quoted string (private="Set-Cookie, X-Id" is one directive).
func splitOutsideQuotes(s string) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// namesSetCookie reports whether a private= or no-cache= field list names
// Set-Cookie.
func namesSetCookie(fields string) bool {
	for _, f := range strings.Split(fields, ",") {
		if strings.EqualFold(strings.TrimSpace(f), "set-cookie") {
			return true
		}
	}
	return false
}
