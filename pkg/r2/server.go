package r2

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// BucketHeader names the bucket a request is for. workerd's config injects
// it into every request of a bucket's service, so one socket serves all
// the buckets of a version.
const BucketHeader = "X-Valet-R2-Bucket"

// The protocol's headers (workerd's io-thread-context.c++).
const (
	headerRequest      = "Cf-R2-Request"
	headerMetadataSize = "Cf-R2-Metadata-Size"
	headerError        = "Cf-R2-Error"
)

// Server answers workerd's R2 binding for the buckets mounted on it.
type Server struct {
	mu      sync.Mutex
	buckets map[string]Bucket
	// Log receives errors that are valet's, not the worker's (a failed
	// disk write); nil drops them.
	Log func(error)
}

// NewServer returns a server with no buckets.
func NewServer() *Server { return &Server{buckets: map[string]Bucket{}} }

// Mount serves b as the bucket name; a bucket already mounted under name
// is kept (several bindings may name one bucket).
func (s *Server) Mount(name string, open func() (Bucket, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buckets[name]; ok {
		return nil
	}
	b, err := open()
	if err != nil {
		return err
	}
	s.buckets[name] = b
	return nil
}

// Close closes every bucket.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for name, b := range s.buckets {
		errs = append(errs, b.Close())
		delete(s.buckets, name)
	}
	return errors.Join(errs...)
}

func (s *Server) bucket(name string) Bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buckets[name]
}

// request is the binding's call, all methods' fields in one.
type request struct {
	Version      int          `json:"version"`
	Method       string       `json:"method"`
	Object       string       `json:"object"`
	Objects      []string     `json:"objects"`
	Range        *Range       `json:"range"`
	RangeHeader  string       `json:"rangeHeader"`
	OnlyIf       *Conditional `json:"onlyIf"`
	CustomFields []Record     `json:"customFields"`
	HTTPFields   HTTPMetadata `json:"httpFields"`
	MD5          string       `json:"md5"` // base64
	SHA1         string       `json:"sha1"`
	SHA256       string       `json:"sha256"`
	SHA384       string       `json:"sha384"`
	SHA512       string       `json:"sha512"`
	UploadID     string       `json:"uploadId"`
	PartNumber   int          `json:"partNumber"`
	Parts        []Part       `json:"parts"`
	Limit        *U64         `json:"limit"`
	Prefix       string       `json:"prefix"`
	Cursor       string       `json:"cursor"`
	Delimiter    string       `json:"delimiter"`
	StartAfter   string       `json:"startAfter"`
	Include      []int        `json:"include"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := s.bucket(r.Header.Get(BucketHeader))
	if b == nil {
		http.Error(w, "no such bucket", http.StatusNotFound)
		return
	}
	var err error
	switch r.Method {
	case http.MethodGet:
		err = s.get(w, r, b)
	case http.MethodPut:
		err = s.put(w, r, b)
	default:
		err = errInternal()
	}
	if err != nil {
		s.fail(w, err)
	}
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, b Bucket) error {
	var req request
	if err := json.Unmarshal([]byte(r.Header.Get(headerRequest)), &req); err != nil {
		return errInvalidArgument()
	}
	ctx := r.Context()
	switch req.Method {
	case "head":
		o, err := b.Head(ctx, req.Object)
		if err != nil {
			return err
		}
		return writeResult(w, http.StatusOK, objectJSON(o), nil, 0)
	case "get":
		o, body, err := b.Get(ctx, req.Object, GetOptions{Range: req.Range, RangeHeader: req.RangeHeader, OnlyIf: req.OnlyIf})
		if err != nil {
			return err
		}
		defer body.Close()
		return writeResult(w, http.StatusOK, objectJSON(o), body, int64(o.Range.Length.V))
	case "list":
		opts := ListOptions{Prefix: req.Prefix, Cursor: req.Cursor, Delimiter: req.Delimiter, StartAfter: req.StartAfter}
		if req.Limit.set() {
			opts.Limit = int(req.Limit.V)
			if opts.Limit == 0 {
				return errInvalidMaxKeys()
			}
		}
		for _, f := range req.Include {
			switch f {
			case 0:
				opts.IncludeHTTP = true
			case 1:
				opts.IncludeCustom = true
			}
		}
		res, err := b.List(ctx, opts)
		if err != nil {
			return err
		}
		objs := make([]map[string]any, len(res.Objects))
		for i, o := range res.Objects {
			objs[i] = objectJSON(o)
		}
		out := map[string]any{"objects": objs, "truncated": res.Truncated, "delimitedPrefixes": res.DelimitedPrefixes}
		if res.Cursor != "" {
			out["cursor"] = res.Cursor
		}
		return writeResult(w, http.StatusOK, out, nil, 0)
	}
	return errInternal()
}

func (s *Server) put(w http.ResponseWriter, r *http.Request, b Bucket) error {
	size, err := strconv.ParseInt(r.Header.Get(headerMetadataSize), 10, 64)
	if err != nil || size < 0 || size > 1<<20 {
		return errInvalidArgument()
	}
	meta := make([]byte, size)
	if _, err := io.ReadFull(r.Body, meta); err != nil {
		return errInvalidArgument()
	}
	var req request
	if err := json.Unmarshal(meta, &req); err != nil {
		return errInvalidArgument()
	}
	valueSize := r.ContentLength - size
	ctx := r.Context()
	switch req.Method {
	case "delete":
		keys := req.Objects
		if keys == nil {
			keys = []string{req.Object}
		}
		if err := b.Delete(ctx, keys...); err != nil {
			return err
		}
		return writeResult(w, http.StatusOK, nil, nil, 0)
	case "put":
		opts, err := req.putOptions()
		if err != nil {
			return err
		}
		o, err := b.Put(ctx, req.Object, r.Body, valueSize, opts)
		if err != nil {
			return err
		}
		return writeResult(w, http.StatusOK, objectJSON(o), nil, 0)
	case "createMultipartUpload":
		id, err := b.CreateMultipartUpload(ctx, req.Object, PutOptions{HTTP: req.HTTPFields, Custom: req.CustomFields})
		if err != nil {
			return err
		}
		return writeResult(w, http.StatusOK, map[string]string{"uploadId": id}, nil, 0)
	case "uploadPart":
		etag, err := b.UploadPart(ctx, req.Object, req.UploadID, req.PartNumber, r.Body, valueSize)
		if err != nil {
			return err
		}
		return writeResult(w, http.StatusOK, map[string]string{"etag": etag}, nil, 0)
	case "completeMultipartUpload":
		o, err := b.CompleteMultipartUpload(ctx, req.Object, req.UploadID, req.Parts)
		if err != nil {
			return err
		}
		return writeResult(w, http.StatusOK, objectJSON(o), nil, 0)
	case "abortMultipartUpload":
		if err := b.AbortMultipartUpload(ctx, req.Object, req.UploadID); err != nil {
			return err
		}
		return writeResult(w, http.StatusOK, nil, nil, 0)
	}
	return errInternal()
}

func (req *request) putOptions() (PutOptions, error) {
	opts := PutOptions{HTTP: req.HTTPFields, Custom: req.CustomFields, OnlyIf: req.OnlyIf}
	var err error
	if req.MD5 != "" {
		if opts.MD5, err = base64.StdEncoding.DecodeString(req.MD5); err != nil {
			return opts, errInvalidArgument()
		}
	}
	for _, h := range []struct {
		s   string
		dst *[]byte
	}{{req.SHA1, &opts.SHA1}, {req.SHA256, &opts.SHA256}, {req.SHA384, &opts.SHA384}, {req.SHA512, &opts.SHA512}} {
		if h.s == "" {
			continue
		}
		if *h.dst, err = hex.DecodeString(h.s); err != nil {
			return opts, errInvalidArgument()
		}
	}
	return opts, nil
}

// objectJSON is an object as the binding reads it (R2HeadResponse).
func objectJSON(o *Object) map[string]any {
	custom := o.Custom
	if custom == nil {
		custom = []Record{}
	}
	m := map[string]any{
		"name": o.Key, "version": o.Version, "size": o.Size, "etag": o.ETag, "uploaded": o.Uploaded,
		"httpFields": o.HTTP, "customFields": custom, "checksums": o.Checksums,
	}
	if o.Range != nil {
		m["range"] = o.Range
	}
	return m
}

// writeResult writes the metadata JSON (nil: none) followed by size bytes
// of body.
func writeResult(w http.ResponseWriter, status int, meta any, body io.Reader, size int64) error {
	var buf []byte
	if meta != nil {
		var err error
		if buf, err = json.Marshal(meta); err != nil {
			return err
		}
		w.Header().Set(headerMetadataSize, strconv.Itoa(len(buf)))
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.FormatInt(int64(len(buf))+size, 10))
	w.WriteHeader(status)
	if _, err := w.Write(buf); err != nil || body == nil {
		return nil // the binding has gone; nothing to answer
	}
	_, _ = io.CopyN(w, body, size)
	return nil
}

// fail answers err as the binding expects an R2 error; anything else is an
// internal error, logged.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		if s.Log != nil && !errors.Is(err, context.Canceled) {
			s.Log(fmt.Errorf("r2: %w", err))
		}
		e = errInternal()
	}
	head, _ := json.Marshal(map[string]any{"message": e.Message, "version": 1, "v4code": e.Code})
	w.Header().Set(headerError, string(head))
	if e.Object != nil {
		buf, _ := json.Marshal(objectJSON(e.Object))
		w.Header().Set(headerMetadataSize, strconv.Itoa(len(buf)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.Status)
		_, _ = io.Copy(w, bytes.NewReader(buf))
		return
	}
	w.WriteHeader(e.Status)
}
