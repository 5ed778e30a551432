package r2

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// s3Store is an S3-compatible server in the test process (gofakes3).
func s3Store(t *testing.T) *S3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("store"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	b, err := OpenS3(S3Options{Endpoint: srv.URL, Bucket: "store", Prefix: "app/files/", AccessKeyID: "key", SecretAccessKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The S3 backend keeps what the binding needs: the value, the R2 metadata,
// ranges, conditions, listing with a delimiter, deletes and multipart.
func TestS3Bucket(t *testing.T) {
	b := s3Store(t)
	ctx := context.Background()
	o, err := b.Put(ctx, "dir/a b.txt", strings.NewReader("hello world"), 11, PutOptions{
		HTTP: HTTPMetadata{ContentType: "text/plain"}, Custom: []Record{{"z", "1"}, {"a", "é"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.ETag != "5eb63bbbe01eeed093cb22bb8f5acdc3" {
		t.Errorf("etag %s", o.ETag)
	}
	head, err := b.Head(ctx, "dir/a b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if head.Version != o.Version || head.Uploaded != o.Uploaded || head.HTTP.ContentType != "text/plain" ||
		len(head.Custom) != 2 || head.Custom[0].K != "z" || head.Custom[1].V != "é" || head.Size != 11 {
		t.Errorf("head %+v, put %+v", head, o)
	}
	got, body, err := b.Get(ctx, "dir/a b.txt", GetOptions{Range: &Range{Suffix: u64(5)}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(body)
	body.Close()
	if string(data) != "world" || got.Range.Offset.V != 6 {
		t.Errorf("suffix range: %q %+v", data, got.Range)
	}
	if _, _, err := b.Get(ctx, "dir/a b.txt", GetOptions{OnlyIf: &Conditional{ETagDoesNotMatch: []ETagCond{{Type: "strong", Value: o.ETag}}}}); code(err) != 10031 {
		t.Errorf("If-None-Match on the etag: %v", err)
	}
	if _, err := b.Put(ctx, "dir/a b.txt", strings.NewReader("x"), 1, PutOptions{OnlyIf: &Conditional{ETagDoesNotMatch: []ETagCond{{Type: "wildcard"}}}}); code(err) != 10031 {
		t.Errorf("put if absent: %v", err)
	}
	for _, k := range []string{"dir/sub/c", "e"} {
		if _, err := b.Put(ctx, k, strings.NewReader(k), int64(len(k)), PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := b.List(ctx, ListOptions{Prefix: "dir/", Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Objects) != 1 || l.Objects[0].Key != "dir/a b.txt" || l.Objects[0].Version != o.Version || strings.Join(l.DelimitedPrefixes, ",") != "dir/sub/" {
		t.Errorf("list %+v %v", l.Objects, l.DelimitedPrefixes)
	}
	if err := b.Delete(ctx, "e", "missing"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Head(ctx, "e"); !IsNotFound(err) {
		t.Errorf("head after delete: %v", err)
	}

	id, err := b.CreateMultipartUpload(ctx, "big", PutOptions{Custom: []Record{{"k", "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	p1 := strings.Repeat("a", MinPartSize)
	e1, err := b.UploadPart(ctx, "big", id, 1, strings.NewReader(p1), int64(len(p1)))
	if err != nil {
		t.Fatal(err)
	}
	e2, err := b.UploadPart(ctx, "big", id, 2, strings.NewReader("tail"), 4)
	if err != nil {
		t.Fatal(err)
	}
	big, err := b.CompleteMultipartUpload(ctx, "big", id, []Part{{1, e1}, {2, e2}})
	if err != nil {
		t.Fatal(err)
	}
	if big.Size != int64(MinPartSize+4) || len(big.Custom) != 1 {
		t.Errorf("multipart %+v", big)
	}
	if n, _, err := b.Count(ctx); err != nil || n != 3 {
		t.Errorf("count %d %v", n, err)
	}
}
