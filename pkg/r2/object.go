package r2

import (
	"regexp"
	"strconv"
	"strings"
)

// Limits of R2 that wrangler dev enforces too.
const (
	maxListKeys      = 1000
	maxKeySize       = 1024
	maxValueSize     = 5368709120 - 5242880 // 5 GiB - 5 MiB
	maxMetadataSize  = 2048
	MinPartSize      = 5 * 1024 * 1024
	defaultListLimit = maxListKeys
)

// Object is an object's metadata.
type Object struct {
	Key       string
	Version   string
	Size      int64
	ETag      string
	Uploaded  int64 // milliseconds since the epoch
	HTTP      HTTPMetadata
	Custom    []Record // in the order they were given
	Checksums Checksums
	// Range is the part of the value a get returns (head: all of it).
	Range *Range
}

// HTTPMetadata are the HTTP headers stored with an object.
type HTTPMetadata struct {
	ContentType        string `json:"contentType,omitempty"`
	ContentLanguage    string `json:"contentLanguage,omitempty"`
	ContentDisposition string `json:"contentDisposition,omitempty"`
	ContentEncoding    string `json:"contentEncoding,omitempty"`
	CacheControl       string `json:"cacheControl,omitempty"`
	CacheExpiry        *U64   `json:"cacheExpiry,omitempty"` // milliseconds since the epoch
}

// Record is one custom metadata entry.
type Record struct {
	K string `json:"k"`
	V string `json:"v"`
}

// Checksums are an object's hashes, hex.
type Checksums struct {
	MD5    string `json:"0,omitempty"`
	SHA1   string `json:"1,omitempty"`
	SHA256 string `json:"2,omitempty"`
	SHA384 string `json:"3,omitempty"`
	SHA512 string `json:"4,omitempty"`
}

// Range is a part of a value: offset and length in responses; in a get
// request also a suffix length.
type Range struct {
	Offset *U64 `json:"offset,omitempty"`
	Length *U64 `json:"length,omitempty"`
	Suffix *U64 `json:"suffix,omitempty"`
}

// ETagCond is one entity tag of a condition: strong, weak or wildcard.
type ETagCond struct {
	Type  string `json:"type"`
	Value string `json:"value,omitempty"`
}

// Conditional is onlyIf: If-Match, If-None-Match, If-Unmodified-Since and
// If-Modified-Since, as R2 reads them.
type Conditional struct {
	ETagMatches        []ETagCond `json:"etagMatches,omitempty"`
	ETagDoesNotMatch   []ETagCond `json:"etagDoesNotMatch,omitempty"`
	UploadedBefore     *U64       `json:"uploadedBefore,omitempty"`
	UploadedAfter      *U64       `json:"uploadedAfter,omitempty"`
	SecondsGranularity bool       `json:"secondsGranularity,omitempty"`
}

// U64 is a Cap'n Proto UInt64 in JSON: workerd writes it as a string, and
// its "unset" value is the type's maximum.
type U64 struct{ V uint64 }

// UnmarshalJSON accepts a number or a string holding one.
func (u *U64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return err
		}
		v = uint64(f)
	}
	u.V = v
	return nil
}

// MarshalJSON writes a number.
func (u U64) MarshalJSON() ([]byte, error) { return []byte(strconv.FormatUint(u.V, 10)), nil }

// set reports whether the field was given (not absent, not capnp's max).
func (u *U64) set() bool { return u != nil && u.V != ^uint64(0) }

func u64(v int64) *U64 { return &U64{V: uint64(v)} }

// Matches reports whether the condition holds for o (nil: no object), as
// R2's gateway decides (RFC 7232 §6, If-Match before If-Unmodified-Since).
func (c *Conditional) Matches(o *Object) bool {
	if c == nil {
		return true
	}
	if o == nil {
		return len(c.ETagMatches) == 0 && !c.UploadedAfter.set()
	}
	ifMatch := len(c.ETagMatches) == 0 || includesETag(c.ETagMatches, o.ETag, true)
	ifNoneMatch := len(c.ETagDoesNotMatch) == 0 || !includesETag(c.ETagDoesNotMatch, o.ETag, false)
	trunc := func(ms int64) int64 {
		if c.SecondsGranularity {
			return ms / 1000 * 1000
		}
		return ms
	}
	last := trunc(o.Uploaded)
	ifModifiedSince := !c.UploadedAfter.set() || trunc(int64(c.UploadedAfter.V)) < last ||
		(len(c.ETagDoesNotMatch) > 0 && ifNoneMatch)
	ifUnmodifiedSince := !c.UploadedBefore.set() || last < trunc(int64(c.UploadedBefore.V)) ||
		(len(c.ETagMatches) > 0 && ifMatch)
	return ifMatch && ifNoneMatch && ifModifiedSince && ifUnmodifiedSince
}

func includesETag(conds []ETagCond, etag string, strong bool) bool {
	for _, c := range conds {
		if c.Type == "wildcard" {
			return true
		}
		if c.Value == etag && (c.Type == "strong" || !strong) {
			return true
		}
	}
	return false
}

// span is an inclusive byte range of a value.
type span struct{ start, end int64 }

// resolveRange turns a get's range (the binding's range option, or a Range
// header) into the bytes to return; ok is false for the whole value.
func resolveRange(r *Range, header string, size int64) (s span, ok bool, err error) {
	if header != "" {
		ranges, valid := parseRangeHeader(header, size)
		// One range is honoured; none, several or an invalid header give
		// the whole value, as R2 does.
		if valid && len(ranges) == 1 {
			return ranges[0], true, nil
		}
		return span{}, false, nil
	}
	if r == nil || (!r.Offset.set() && !r.Length.set() && !r.Suffix.set()) {
		return span{}, false, nil
	}
	var offset, length int64
	if r.Suffix.set() {
		suffix := int64(r.Suffix.V)
		if suffix <= 0 {
			return span{}, false, errInvalidRange()
		}
		if suffix > size {
			suffix = size
		}
		offset, length = size-suffix, suffix
	} else {
		if r.Offset.set() {
			offset = int64(r.Offset.V)
		}
		length = size - offset
		if r.Length.set() {
			length = int64(r.Length.V)
		}
	}
	if offset < 0 || offset > size || length <= 0 {
		return span{}, false, errInvalidRange()
	}
	if offset+length > size {
		length = size - offset
	}
	return span{offset, offset + length - 1}, true, nil
}

var (
	reRangePrefix = regexp.MustCompile(`(?i)^ *bytes *=`)
	reRange       = regexp.MustCompile(`^ *(\d+)? *- *(\d+)? *$`)
)

// parseRangeHeader reads an HTTP Range header against a value of size
// bytes; valid is false when it cannot be satisfied.
func parseRangeHeader(h string, size int64) (ranges []span, valid bool) {
	loc := reRangePrefix.FindStringIndex(h)
	if loc == nil {
		return nil, false
	}
	h = h[loc[1]:]
	if strings.TrimSpace(h) == "" {
		return nil, true
	}
	for _, part := range strings.Split(h, ",") {
		m := reRange.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		start, end := m[1], m[2]
		switch {
		case start != "" && end != "":
			s, _ := strconv.ParseInt(start, 10, 64)
			e, _ := strconv.ParseInt(end, 10, 64)
			if s > e || s >= size {
				return nil, false
			}
			ranges = append(ranges, span{s, min(e, size-1)})
		case start != "":
			s, _ := strconv.ParseInt(start, 10, 64)
			if s >= size {
				return nil, false
			}
			ranges = append(ranges, span{s, size - 1})
		case end != "":
			n, _ := strconv.ParseInt(end, 10, 64)
			if n >= size {
				return nil, true
			}
			if n == 0 {
				continue
			}
			ranges = append(ranges, span{size - n, size - 1})
		default:
			return nil, false
		}
	}
	return ranges, true
}

// checkKey refuses a key R2 refuses.
func checkKey(key string) error {
	if len(key) > maxKeySize {
		return errInvalidObjectName()
	}
	return nil
}

// checkMetadataSize refuses custom metadata over R2's limit, counted as
// R2's gateway counts it.
func checkMetadataSize(custom []Record) error {
	n := 0
	for _, r := range custom {
		n += serialisedLength(r.K) + serialisedLength(r.V)
	}
	if n > maxMetadataSize {
		return errMetadataTooLarge()
	}
	return nil
}

// serialisedLength counts UTF-16 code units, twice when any is over 255.
func serialisedLength(s string) int {
	n, wide := 0, false
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		if r >= 256 {
			wide = true
		}
	}
	if wide {
		return n * 2
	}
	return n
}

func checkLimit(limit int) error {
	if limit < 1 || limit > maxListKeys {
		return errInvalidMaxKeys()
	}
	return nil
}
