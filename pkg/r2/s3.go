package r2

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// S3Options name an S3-compatible bucket and its credentials.
type S3Options struct {
	Endpoint        string // https://host[:port]
	Bucket          string
	Region          string // default us-east-1
	Prefix          string // keys are stored under it
	AccessKeyID     string
	SecretAccessKey string
	Client          *http.Client // default: a client with a 5 minute timeout
}

// S3 is a bucket kept in an S3-compatible store (path-style requests,
// SigV4). What S3 has no field for (the R2 version, the upload time in
// milliseconds, custom metadata in order, checksums) rides in one user
// metadata header, x-amz-meta-r2, as base64 JSON. Conditions are checked
// against a HEAD first, so two writers racing on one key may both pass.
type S3 struct {
	opts S3Options
	base *url.URL
	now  func() time.Time
}

// s3Meta is what x-amz-meta-r2 holds.
type s3Meta struct {
	Version   string       `json:"v"`
	Uploaded  int64        `json:"u"`
	Custom    []Record     `json:"c,omitempty"`
	Checksums Checksums    `json:"h"`
	HTTP      HTTPMetadata `json:"m"`
}

const s3MetaHeader = "X-Amz-Meta-R2"

// OpenS3 returns the bucket; it does not reach the store yet.
func OpenS3(opts S3Options) (*S3, error) {
	u, err := url.Parse(opts.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("s3 endpoint %q: use an http(s) URL", opts.Endpoint)
	}
	if opts.Bucket == "" || opts.AccessKeyID == "" || opts.SecretAccessKey == "" {
		return nil, errors.New("s3: the bucket and both credentials are required")
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 5 * time.Minute}
	}
	return &S3{opts: opts, base: u, now: time.Now}, nil
}

// Close does nothing: S3 holds no connection of its own.
func (s *S3) Close() error { return nil }

// objectURL is the path-style URL of key (query may be nil).
func (s *S3) objectURL(key string, query url.Values) *url.URL {
	u := *s.base
	p := "/" + s.opts.Bucket
	raw := "/" + awsPathEscape(s.opts.Bucket)
	if key != "" || query == nil {
		p += "/" + s.opts.Prefix + key
		raw += "/" + awsPathEscape(s.opts.Prefix+key)
	}
	u.Path, u.RawPath = p, raw
	if query != nil {
		u.RawQuery = canonicalQuery(query)
	}
	return &u
}

// awsPathEscape escapes all but unreserved characters and '/'.
func awsPathEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (s *S3) do(ctx context.Context, method string, u *url.URL, header http.Header, body io.Reader, size int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.URL = u
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil {
		req.ContentLength = size
	}
	signV4(req, s.opts.Region, s.opts.AccessKeyID, s.opts.SecretAccessKey, s.now())
	res, err := s.opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("s3 %s %s: %w", method, s.opts.Bucket, err)
	}
	return res, nil
}

// s3Error reads a failed response.
func s3Error(res *http.Response, what string) error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	var e struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	_ = xml.Unmarshal(b, &e)
	switch {
	case res.StatusCode == 404 && (e.Code == "NoSuchKey" || e.Code == ""):
		return errNoSuchKey()
	case e.Code == "NoSuchUpload":
		return errNoSuchUpload()
	case e.Code == "InvalidPart" || e.Code == "InvalidPartOrder":
		return errInvalidPart()
	case e.Code == "EntityTooSmall":
		return errEntityTooSmall()
	case res.StatusCode == 412:
		return errPreconditionFailed()
	}
	return fmt.Errorf("s3 %s: %s %s: %s", what, res.Status, e.Code, e.Message)
}

// objectFrom reads an object's metadata from a HEAD or GET response.
func (s *S3) objectFrom(key string, h http.Header) *Object {
	o := &Object{Key: key, ETag: strings.Trim(h.Get("ETag"), `"`)}
	o.Size, _ = strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	if cr := h.Get("Content-Range"); cr != "" {
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			o.Size, _ = strconv.ParseInt(cr[i+1:], 10, 64)
		}
	}
	var m s3Meta
	if raw, err := base64.StdEncoding.DecodeString(h.Get(s3MetaHeader)); err == nil && json.Unmarshal(raw, &m) == nil {
		o.Version, o.Uploaded, o.Custom, o.Checksums, o.HTTP = m.Version, m.Uploaded, m.Custom, m.Checksums, m.HTTP
	} else {
		// Written by something else than valet: what S3 says.
		if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
			o.Uploaded = t.UnixMilli()
		}
		o.Version = strings.ReplaceAll(o.ETag, "-", "")
		o.HTTP = HTTPMetadata{ContentType: h.Get("Content-Type"), ContentLanguage: h.Get("Content-Language"),
			ContentDisposition: h.Get("Content-Disposition"), ContentEncoding: h.Get("Content-Encoding"), CacheControl: h.Get("Cache-Control")}
	}
	return withMD5(o)
}

// Head returns an object's metadata.
func (s *S3) Head(ctx context.Context, key string) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	res, err := s.do(ctx, http.MethodHead, s.objectURL(key, nil), nil, nil, 0)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil, s3Error(res, "head")
	}
	o := s.objectFrom(key, res.Header)
	o.Range = &Range{Offset: u64(0), Length: u64(o.Size)}
	return o, nil
}

// Get returns an object and the bytes asked for.
func (s *S3) Get(ctx context.Context, key string, opts GetOptions) (*Object, io.ReadCloser, error) {
	o, err := s.Head(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	if !opts.OnlyIf.Matches(o) {
		e := errPreconditionFailed()
		e.Object = o
		return nil, nil, e
	}
	sp, ranged, err := resolveRange(opts.Range, opts.RangeHeader, o.Size)
	if err != nil {
		return nil, nil, err
	}
	if !ranged {
		sp = span{0, o.Size - 1}
	}
	o.Range = &Range{Offset: u64(sp.start), Length: u64(sp.end - sp.start + 1)}
	if o.Size == 0 || sp.end < sp.start {
		return o, io.NopCloser(strings.NewReader("")), nil
	}
	h := http.Header{}
	h.Set("Range", fmt.Sprintf("bytes=%d-%d", sp.start, sp.end))
	// The object must be the one just read: a newer one is a retry's.
	h.Set("If-Match", `"`+o.ETag+`"`)
	res, err := s.do(ctx, http.MethodGet, s.objectURL(key, nil), h, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode != 200 && res.StatusCode != 206 {
		defer res.Body.Close()
		return nil, nil, s3Error(res, "get")
	}
	return o, res.Body, nil
}

// metaHeaders are the headers storing o's metadata.
func metaHeaders(m s3Meta) (http.Header, error) {
	j, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(s3MetaHeader, base64.StdEncoding.EncodeToString(j))
	for k, v := range map[string]string{"Content-Type": m.HTTP.ContentType, "Content-Language": m.HTTP.ContentLanguage,
		"Content-Disposition": m.HTTP.ContentDisposition, "Content-Encoding": m.HTTP.ContentEncoding, "Cache-Control": m.HTTP.CacheControl} {
		if v != "" {
			h.Set(k, v)
		}
	}
	return h, nil
}

// Put stores a value: spooled to a temporary file first, to check the
// checksums given before anything is written to the store.
func (s *S3) Put(ctx context.Context, key string, body io.Reader, size int64, opts PutOptions) (*Object, error) {
	if err := checkPut(key, size, opts); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "valet-r2-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := newHasher(opts)
	if n, err := io.Copy(io.MultiWriter(f, h), body); err != nil || n != size {
		return nil, fmt.Errorf("r2 put %q: read %d of %d bytes: %v", key, n, size, err)
	}
	checksums, err := h.checksums()
	if err != nil {
		return nil, err
	}
	if opts.OnlyIf != nil {
		prev, err := s.Head(ctx, key)
		if err != nil && !IsNotFound(err) {
			return nil, err
		}
		if !opts.OnlyIf.Matches(prev) {
			return nil, errPreconditionFailed()
		}
	}
	m := s3Meta{Version: randomHex(16), Uploaded: s.now().UnixMilli(), Custom: opts.Custom, Checksums: checksums, HTTP: opts.HTTP}
	hdr, err := metaHeaders(m)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	res, err := s.do(ctx, http.MethodPut, s.objectURL(key, nil), hdr, f, size)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil, s3Error(res, "put")
	}
	return withMD5(&Object{Key: key, Version: m.Version, Size: size, ETag: h.md5(), Uploaded: m.Uploaded,
		HTTP: opts.HTTP, Custom: opts.Custom, Checksums: checksums}), nil
}

// Delete removes keys.
func (s *S3) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	for _, k := range keys {
		res, err := s.do(ctx, http.MethodDelete, s.objectURL(k, nil), nil, nil, 0)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != 204 && res.StatusCode != 200 && res.StatusCode != 404 {
			return fmt.Errorf("s3 delete %q: %s", k, res.Status)
		}
	}
	return nil
}

type listV2 struct {
	IsTruncated           bool   `xml:"IsTruncated"`
	NextContinuationToken string `xml:"NextContinuationToken"`
	Contents              []struct {
		Key  string `xml:"Key"`
		Size int64  `xml:"Size"`
		ETag string `xml:"ETag"`
	} `xml:"Contents"`
	CommonPrefixes []struct {
		Prefix string `xml:"Prefix"`
	} `xml:"CommonPrefixes"`
}

// List returns a page of keys in order. Listed objects carry what S3 lists
// (key, size, ETag); with include, each is read with a HEAD.
func (s *S3) List(ctx context.Context, opts ListOptions) (*ListResult, error) {
	limit, err := opts.limitFor()
	if err != nil {
		return nil, err
	}
	q := url.Values{"list-type": {"2"}, "prefix": {s.opts.Prefix + opts.Prefix}, "max-keys": {strconv.Itoa(limit)}}
	if opts.Delimiter != "" {
		q.Set("delimiter", opts.Delimiter)
	}
	if sa := opts.startAfter(); sa != "" {
		q.Set("start-after", s.opts.Prefix+sa)
	}
	res, err := s.do(ctx, http.MethodGet, s.objectURL("", q), nil, nil, 0)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil, s3Error(res, "list")
	}
	var l listV2
	if err := xml.NewDecoder(res.Body).Decode(&l); err != nil {
		return nil, fmt.Errorf("s3 list: %w", err)
	}
	out := &ListResult{Objects: []*Object{}, DelimitedPrefixes: []string{}}
	last := ""
	for _, c := range l.Contents {
		key := strings.TrimPrefix(c.Key, s.opts.Prefix)
		o := &Object{Key: key, Size: c.Size, ETag: strings.Trim(c.ETag, `"`)}
		// The version and upload time live in the object's metadata.
		if full, err := s.Head(ctx, key); err == nil {
			o = full
			o.Range = nil
		}
		if !opts.IncludeHTTP {
			o.HTTP = HTTPMetadata{}
		}
		if !opts.IncludeCustom {
			o.Custom = nil
		}
		out.Objects = append(out.Objects, o)
		last = max(last, key)
	}
	for _, p := range l.CommonPrefixes {
		prefix := strings.TrimPrefix(p.Prefix, s.opts.Prefix)
		out.DelimitedPrefixes = append(out.DelimitedPrefixes, prefix)
		// Past every key under the prefix: the next page starts after it.
		last = max(last, prefix+"\U0010FFFF")
	}
	if l.IsTruncated && last != "" {
		out.Truncated = true
		out.Cursor = encodeCursor(last)
	}
	sort.Strings(out.DelimitedPrefixes)
	return out, nil
}

// CreateMultipartUpload starts an upload of key.
func (s *S3) CreateMultipartUpload(ctx context.Context, key string, opts PutOptions) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	hdr, err := metaHeaders(s3Meta{Version: randomHex(16), Uploaded: s.now().UnixMilli(), Custom: opts.Custom, HTTP: opts.HTTP})
	if err != nil {
		return "", err
	}
	res, err := s.do(ctx, http.MethodPost, s.objectURL(key, url.Values{"uploads": {""}}), hdr, nil, 0)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return "", s3Error(res, "create multipart upload")
	}
	var r struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.NewDecoder(res.Body).Decode(&r); err != nil {
		return "", fmt.Errorf("s3 create multipart upload: %w", err)
	}
	return r.UploadID, nil
}

// UploadPart stores one part.
func (s *S3) UploadPart(ctx context.Context, key, uploadID string, part int, body io.Reader, size int64) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	q := url.Values{"partNumber": {strconv.Itoa(part)}, "uploadId": {uploadID}}
	res, err := s.do(ctx, http.MethodPut, s.objectURL(key, q), nil, body, size)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return "", s3Error(res, "upload part")
	}
	return strings.Trim(res.Header.Get("ETag"), `"`), nil
}

// CompleteMultipartUpload assembles the parts; S3 applies its own part
// rules.
func (s *S3) CompleteMultipartUpload(ctx context.Context, key, uploadID string, parts []Part) (*Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<CompleteMultipartUpload>")
	sorted := append([]Part(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Part < sorted[j].Part })
	for _, p := range sorted {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>", p.Part, p.ETag)
	}
	b.WriteString("</CompleteMultipartUpload>")
	res, err := s.do(ctx, http.MethodPost, s.objectURL(key, url.Values{"uploadId": {uploadID}}), http.Header{"Content-Type": {"application/xml"}}, &b, int64(b.Len()))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || bytes.Contains(body, []byte("<Error>")) {
		res.Body = io.NopCloser(bytes.NewReader(body))
		return nil, s3Error(res, "complete multipart upload")
	}
	return s.Head(ctx, key)
}

// AbortMultipartUpload drops an upload.
func (s *S3) AbortMultipartUpload(ctx context.Context, key, uploadID string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	res, err := s.do(ctx, http.MethodDelete, s.objectURL(key, url.Values{"uploadId": {uploadID}}), nil, nil, 0)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 204 && res.StatusCode != 200 && res.StatusCode != 404 {
		return s3Error(res, "abort multipart upload")
	}
	return nil
}

// Count lists the whole bucket.
func (s *S3) Count(ctx context.Context) (int64, int64, error) {
	var n, size int64
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {s.opts.Prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		res, err := s.do(ctx, http.MethodGet, s.objectURL("", q), nil, nil, 0)
		if err != nil {
			return 0, 0, err
		}
		var l listV2
		err = xml.NewDecoder(res.Body).Decode(&l)
		res.Body.Close()
		if err != nil {
			return 0, 0, err
		}
		for _, c := range l.Contents {
			n++
			size += c.Size
		}
		if !l.IsTruncated || l.NextContinuationToken == "" {
			return n, size, nil
		}
		token = l.NextContinuationToken
	}
}
