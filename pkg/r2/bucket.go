package r2

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
)

// Bucket is where a bucket's objects are kept. Every method checks what R2
// checks (key length, limits, conditions, checksums) and fails with *Error.
type Bucket interface {
	Head(ctx context.Context, key string) (*Object, error)
	// Get returns the object and its bytes (the range asked for). A failed
	// condition is an *Error with the object's metadata and no body.
	Get(ctx context.Context, key string, opts GetOptions) (*Object, io.ReadCloser, error)
	Put(ctx context.Context, key string, body io.Reader, size int64, opts PutOptions) (*Object, error)
	Delete(ctx context.Context, keys ...string) error
	List(ctx context.Context, opts ListOptions) (*ListResult, error)
	CreateMultipartUpload(ctx context.Context, key string, opts PutOptions) (uploadID string, err error)
	UploadPart(ctx context.Context, key, uploadID string, part int, body io.Reader, size int64) (etag string, err error)
	CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) (*Object, error)
	AbortMultipartUpload(ctx context.Context, key, uploadID string) error
	// Count returns how many objects the bucket holds and their bytes.
	Count(ctx context.Context) (objects, bytes int64, err error)
	Close() error
}

// GetOptions are a get's range and condition.
type GetOptions struct {
	Range       *Range
	RangeHeader string
	OnlyIf      *Conditional
}

// PutOptions are a put's metadata, condition and expected checksums (raw
// bytes). A multipart upload takes the metadata only.
type PutOptions struct {
	HTTP                              HTTPMetadata
	Custom                            []Record
	OnlyIf                            *Conditional
	MD5, SHA1, SHA256, SHA384, SHA512 []byte
}

// ListOptions page through keys in order.
type ListOptions struct {
	Limit                      int // 0: 1000
	Prefix, Cursor, StartAfter string
	Delimiter                  string
	IncludeHTTP, IncludeCustom bool
}

// ListResult is one page.
type ListResult struct {
	Objects           []*Object
	Truncated         bool
	Cursor            string
	DelimitedPrefixes []string
}

// Part names an uploaded part when completing a multipart upload.
type Part struct {
	Part int    `json:"part"`
	ETag string `json:"etag"`
}

// limitFor is the page size R2 gives: at most 100 with metadata included.
func (o ListOptions) limitFor() (int, error) {
	limit := o.Limit
	if limit == 0 {
		limit = defaultListLimit
	}
	if err := checkLimit(limit); err != nil {
		return 0, err
	}
	if o.IncludeHTTP || o.IncludeCustom {
		limit = min(limit, 100)
	}
	return limit, nil
}

// startAfter is where the page starts: after StartAfter or the cursor's
// key, whichever is later.
func (o ListOptions) startAfter() string {
	s := o.StartAfter
	if o.Cursor != "" {
		if b, err := base64.StdEncoding.DecodeString(o.Cursor); err == nil && string(b) > s {
			s = string(b)
		}
	}
	return s
}

func encodeCursor(key string) string { return base64.StdEncoding.EncodeToString([]byte(key)) }

// delimited is the delimited prefix key falls under, or "".
func delimited(key, prefix, delimiter string) string {
	if delimiter == "" {
		return ""
	}
	rest := key[len(prefix):]
	if i := strings.Index(rest, delimiter); i >= 0 {
		return prefix + rest[:i+len(delimiter)]
	}
	return ""
}

// hasher hashes a value as it is written: MD5 always (the ETag), and each
// algorithm the put gave a checksum for.
type hasher struct {
	algs []hashAlg
	w    io.Writer
}

type hashAlg struct {
	name     string
	provided []byte
	h        hash.Hash
	set      func(*Checksums, string)
}

func newHasher(opts PutOptions) *hasher {
	all := []hashAlg{
		{"MD5", opts.MD5, md5.New(), func(c *Checksums, v string) { c.MD5 = v }},
		{"SHA-1", opts.SHA1, sha1.New(), func(c *Checksums, v string) { c.SHA1 = v }},
		{"SHA-256", opts.SHA256, sha256.New(), func(c *Checksums, v string) { c.SHA256 = v }},
		{"SHA-384", opts.SHA384, sha512.New384(), func(c *Checksums, v string) { c.SHA384 = v }},
		{"SHA-512", opts.SHA512, sha512.New(), func(c *Checksums, v string) { c.SHA512 = v }},
	}
	h := &hasher{}
	var ws []io.Writer
	for i, a := range all {
		if i == 0 || a.provided != nil {
			h.algs = append(h.algs, a)
			ws = append(ws, a.h)
		}
	}
	h.w = io.MultiWriter(ws...)
	return h
}

func (h *hasher) Write(p []byte) (int, error) { return h.w.Write(p) }

// md5 is the value's MD5, hex.
func (h *hasher) md5() string { return hex.EncodeToString(h.algs[0].h.Sum(nil)) }

// checksums compares the provided checksums with the computed ones and
// returns those provided (MD5 is kept as the ETag instead).
func (h *hasher) checksums() (Checksums, error) {
	var c Checksums
	for i, a := range h.algs {
		if a.provided == nil {
			continue
		}
		sum := a.h.Sum(nil)
		if hex.EncodeToString(sum) != hex.EncodeToString(a.provided) {
			return c, errBadDigest(a.name, hex.EncodeToString(a.provided), hex.EncodeToString(sum))
		}
		if i > 0 {
			a.set(&c, hex.EncodeToString(sum))
		}
	}
	return c, nil
}

// checkPut runs the checks of a put that need no stored state.
func checkPut(key string, size int64, opts PutOptions) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if size > maxValueSize {
		return errEntityTooLarge()
	}
	return checkMetadataSize(opts.Custom)
}

// randomHex is n random bytes, hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomID is n random bytes, base64url (upload ids and part etags).
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// multipartETag is S3's ETag of a multipart object: the MD5 of the parts'
// MD5s, then "-" and their count.
func multipartETag(md5s []string) string {
	h := md5.New()
	for _, m := range md5s {
		b, _ := hex.DecodeString(m)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + itoa(len(md5s))
}

func itoa(n int) string { return fmt.Sprint(n) }
