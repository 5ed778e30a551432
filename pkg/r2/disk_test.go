package r2

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func put(t *testing.T, b Bucket, key, value string) *Object {
	t.Helper()
	o, err := b.Put(context.Background(), key, strings.NewReader(value), int64(len(value)), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func read(t *testing.T, b Bucket, key string, opts GetOptions) (*Object, string) {
	t.Helper()
	o, body, err := b.Get(context.Background(), key, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return o, string(data)
}

func code(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestDiskPutGetDelete(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	o := put(t, b, "a/b.txt", "hello world")
	if o.ETag != "5eb63bbbe01eeed093cb22bb8f5acdc3" || o.Size != 11 || len(o.Version) != 32 {
		t.Errorf("put: %+v", o)
	}
	if _, s := read(t, b, "a/b.txt", GetOptions{Range: &Range{Offset: u64(6)}}); s != "world" {
		t.Errorf("range: %q", s)
	}
	// Overwriting removes the old blob; deleting removes the last one.
	put(t, b, "a/b.txt", "again")
	if n := blobs(t, dir); n != 1 {
		t.Errorf("%d blobs after an overwrite, want 1", n)
	}
	if err := b.Delete(context.Background(), "a/b.txt", "missing"); err != nil {
		t.Fatal(err)
	}
	if n := blobs(t, dir); n != 0 {
		t.Errorf("%d blobs after delete, want 0", n)
	}
	if _, err := b.Head(context.Background(), "a/b.txt"); !IsNotFound(err) {
		t.Errorf("head after delete: %v", err)
	}
}

func blobs(t *testing.T, dir string) int {
	entries, err := os.ReadDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// A second process on the same directory (valet r2 object beside valet
// dev) sees the first one's writes.
func TestDiskSharedDirectory(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	put(t, a, "k", "from a")
	if _, s := read(t, b, "k", GetOptions{}); s != "from a" {
		t.Errorf("b reads %q", s)
	}
}

func TestDiskConditions(t *testing.T) {
	b, err := OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	o := put(t, b, "k", "v1")
	_, _, err = b.Get(ctx, "k", GetOptions{OnlyIf: &Conditional{ETagMatches: []ETagCond{{Type: "strong", Value: "nope"}}}})
	var e *Error
	if !errors.As(err, &e) || e.Status != 412 || e.Object == nil || e.Object.ETag != o.ETag {
		t.Errorf("failed condition: %v (object attached: %v)", err, e != nil && e.Object != nil)
	}
	_, err = b.Put(ctx, "k", strings.NewReader("v2"), 2, PutOptions{OnlyIf: &Conditional{ETagDoesNotMatch: []ETagCond{{Type: "wildcard"}}}})
	if code(err) != 10031 {
		t.Errorf("put if absent on an existing key: %v", err)
	}
	if _, s := read(t, b, "k", GetOptions{}); s != "v1" {
		t.Errorf("value after refused put: %q", s)
	}
}

func TestDiskListDelimiter(t *testing.T) {
	b, err := OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, k := range []string{"a", "d/1", "d/2", "d/x/3", "e/1", "f"} {
		put(t, b, k, k)
	}
	var pages []string
	cursor := ""
	for i := 0; i < 10; i++ {
		res, err := b.List(context.Background(), ListOptions{Delimiter: "/", Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, o := range res.Objects {
			page = append(page, o.Key)
		}
		page = append(page, res.DelimitedPrefixes...)
		pages = append(pages, strings.Join(page, ","))
		if !res.Truncated {
			break
		}
		cursor = res.Cursor
	}
	// A delimited prefix counts once and is never listed again.
	if got := strings.Join(pages, " | "); got != "a,d/ | f,e/" {
		t.Errorf("pages %q", got)
	}
	if _, err := b.List(context.Background(), ListOptions{Limit: 1001}); code(err) != 10022 {
		t.Errorf("limit 1001: %v", err)
	}
}

func TestDiskMultipart(t *testing.T) {
	b, err := OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	id, err := b.CreateMultipartUpload(ctx, "m", PutOptions{Custom: []Record{{"k", "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	p1 := strings.Repeat("a", MinPartSize)
	e1, err := b.UploadPart(ctx, "m", id, 1, strings.NewReader(p1), int64(len(p1)))
	if err != nil {
		t.Fatal(err)
	}
	e2, err := b.UploadPart(ctx, "m", id, 2, strings.NewReader("bcd"), 3)
	if err != nil {
		t.Fatal(err)
	}
	o, err := b.CompleteMultipartUpload(ctx, "m", id, []Part{{1, e1}, {2, e2}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Size != int64(MinPartSize+3) || !strings.HasSuffix(o.ETag, "-2") || o.Custom[0].V != "v" {
		t.Errorf("completed %+v", o)
	}
	if _, s := read(t, b, "m", GetOptions{Range: &Range{Offset: u64(MinPartSize - 1), Length: u64(3)}}); s != "abc" {
		t.Errorf("range across parts %q", s)
	}
	if _, err := b.CompleteMultipartUpload(ctx, "m", id, []Part{{1, e1}}); code(err) != 10024 {
		t.Errorf("complete twice: %v", err)
	}
}

func TestResolveRange(t *testing.T) {
	for _, tc := range []struct {
		r      *Range
		header string
		want   string
	}{
		{&Range{Offset: u64(2), Length: u64(3)}, "", "2-4"},
		{&Range{Suffix: u64(3)}, "", "7-9"},
		{&Range{Suffix: u64(30)}, "", "0-9"},
		{&Range{Offset: u64(8), Length: u64(10)}, "", "8-9"},
		{&Range{Offset: u64(20)}, "", "error"},
		{nil, "bytes=0-4", "0-4"},
		{nil, "bytes=-3", "7-9"},
		{nil, "bytes=0-1,3-4", "all"},
		{nil, "bytes=50-60", "all"},
		{nil, "items=0-1", "all"},
	} {
		s, ok, err := resolveRange(tc.r, tc.header, 10)
		got := "all"
		switch {
		case err != nil:
			got = "error"
		case ok:
			got = itoa(int(s.start)) + "-" + itoa(int(s.end))
		}
		if got != tc.want {
			t.Errorf("%+v %q: %s, want %s", tc.r, tc.header, got, tc.want)
		}
	}
}
