package runtime

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// decodeUTF8 is the WHATWG UTF-8 decoder: every maximal invalid subpart
// becomes one U+FFFD, or, when fatal, the decode fails.
func decodeUTF8(b []byte, fatal bool) (string, bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	if fatal {
		return "", false
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			sb.WriteByte(c)
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xbf)
		switch {
		case c >= 0xc2 && c <= 0xdf:
			need = 1
		case c >= 0xe0 && c <= 0xef:
			need = 2
			if c == 0xe0 {
				lo = 0xa0
			} else if c == 0xed {
				hi = 0x9f
			}
		case c >= 0xf0 && c <= 0xf4:
			need = 3
			if c == 0xf0 {
				lo = 0x90
			} else if c == 0xf4 {
				hi = 0x8f
			}
		default:
			sb.WriteRune(utf8.RuneError)
			i++
			continue
		}
		j := i + 1
		ok := true
		for k := 0; k < need; k++ {
			if j >= len(b) || b[j] < lo || b[j] > hi {
				ok = false
				break
			}
			lo, hi = 0x80, 0xbf
			j++
		}
		if !ok {
			sb.WriteRune(utf8.RuneError)
			i = j
			continue
		}
		sb.Write(b[i:j])
		i = j
	}
	return sb.String(), true
}

// utf16Len counts the UTF-16 code units the bytes decode to.
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func decodeOther(enc string, b []byte) string {
	if enc == "utf-16le" {
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return string(utf16.Decode(u))
	}
	s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(s)
}

// atob is the forgiving-base64 decode of the HTML standard.
func atob(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
			return -1
		}
		return r
	}, s)
	if len(s)%4 == 0 {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "="), "=")
	}
	if len(s)%4 == 1 || strings.ContainsAny(s, "=") {
		return nil, errors.New("atob: the string to be decoded is not correctly encoded")
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		// Non-zero trailing bits are allowed by the standard.
		b, err = base64.RawStdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, errors.New("atob: the string to be decoded is not correctly encoded")
		}
	}
	return b, nil
}

// latin1 maps each byte to the code point of the same value.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func fromLatin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// stringToBytes is Buffer.from(string, encoding).
func stringToBytes(s, enc string) ([]byte, error) {
	switch enc {
	case "utf8", "utf-8", "":
		return []byte(s), nil
	case "hex":
		if len(s)%2 == 1 {
			s = s[:len(s)-1]
		}
		return hex.DecodeString(s)
	case "base64", "base64url":
		s = strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(s, "="))
		return base64.RawStdEncoding.DecodeString(s)
	case "latin1", "binary", "ascii":
		b := make([]byte, 0, len(s))
		for _, r := range s {
			b = append(b, byte(r))
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown encoding %q (use utf8, hex, base64, base64url or latin1)", enc)
}

// bytesToString is buffer.toString(encoding).
func bytesToString(b []byte, enc string) (string, error) {
	switch enc {
	case "utf8", "utf-8", "":
		s, _ := decodeUTF8(b, false)
		return s, nil
	case "hex":
		return hex.EncodeToString(b), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), nil
	case "base64url":
		return base64.RawURLEncoding.EncodeToString(b), nil
	case "latin1", "binary":
		return latin1(b), nil
	case "ascii":
		c := make([]byte, len(b))
		for i, x := range b {
			c[i] = x & 0x7f
		}
		return string(c), nil
	}
	return "", fmt.Errorf("unknown encoding %q (use utf8, hex, base64, base64url or latin1)", enc)
}
