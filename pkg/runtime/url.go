package runtime

import (
	"strings"

	whatwg "github.com/nlnwa/whatwg-url/url"
)

// urlRecord is what the prelude's URL keeps: href, protocol, username,
// password, host, hostname, port, pathname, search, hash, origin.
func urlRecord(u *whatwg.Url) []string {
	return []string{u.Href(false), u.Protocol(), u.Username(), u.Password(), u.Host(), u.Hostname(),
		u.Port(), u.Pathname(), u.Search(), u.Hash(), urlOrigin(u)}
}

// urlOrigin serialises the URL's origin: tuple origins for special schemes,
// the inner URL's for blob:, "null" otherwise.
func urlOrigin(u *whatwg.Url) string {
	switch u.Scheme() {
	case "http", "https", "ws", "wss", "ftp":
		return u.Scheme() + "://" + u.Host()
	case "blob":
		if inner, err := whatwg.Parse(u.Pathname()); err == nil && (inner.Scheme() == "http" || inner.Scheme() == "https") {
			return urlOrigin(inner)
		}
	}
	return "null"
}

func urlParse(input string, base *string) []string {
	var (
		u   *whatwg.Url
		err error
	)
	if base == nil {
		u, err = whatwg.Parse(input)
	} else {
		u, err = whatwg.ParseRef(*base, input)
	}
	if err != nil {
		return nil
	}
	return urlRecord(u)
}

// urlSet applies one URL setter (field index as in urlRecord) to href.
func urlSet(href string, field int, v string) []string {
	u, err := whatwg.Parse(href)
	if err != nil {
		return nil
	}
	switch field {
	case 1:
		u.SetProtocol(v)
	case 2:
		u.SetUsername(v)
	case 3:
		u.SetPassword(v)
	case 4:
		u.SetHost(v)
	case 5:
		u.SetHostname(v)
	case 6:
		u.SetPort(v)
	case 7:
		u.SetPathname(v)
	case 8:
		u.SetSearch(v)
	case 9:
		u.SetHash(v)
	}
	return urlRecord(u)
}

// formDecode is the application/x-www-form-urlencoded parser: a flat list of
// names and values.
func formDecode(s string) []string {
	out := []string{}
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, formUnescape(name), formUnescape(value))
	}
	return out
}

func formUnescape(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	r, _ := decodeUTF8(b, false)
	return r
}

// formEncode serialises names and values with the urlencoded byte set.
func formEncode(list []string) string {
	var sb strings.Builder
	for i := 0; i+1 < len(list); i += 2 {
		if i > 0 {
			sb.WriteByte('&')
		}
		formEscape(&sb, list[i])
		sb.WriteByte('=')
		formEscape(&sb, list[i+1])
	}
	return sb.String()
}

func formEscape(sb *strings.Builder, s string) {
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			sb.WriteByte('+')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '*', c == '-', c == '.', c == '_':
			sb.WriteByte(c)
		default:
			sb.WriteByte('%')
			sb.WriteByte(hexd[c>>4])
			sb.WriteByte(hexd[c&15])
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
