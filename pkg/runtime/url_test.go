package runtime

import (
	"reflect"
	"testing"
)

func TestFormCodec(t *testing.T) {
	got := formDecode("a=1&&b=%zz&c=%C3%A9+x&d")
	want := []string{"a", "1", "b", "%zz", "c", "é x", "d", ""}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decode %q", got)
	}
	if s := formEncode([]string{"a b", "~*é"}); s != "a+b=%7E*%C3%A9" {
		t.Fatalf("encode %q", s)
	}
}

func TestURLRecord(t *testing.T) {
	base := "http://example.com/a/b"
	rec := urlParse("../c?d#e", &base)
	if rec == nil || rec[0] != "http://example.com/c?d#e" || rec[10] != "http://example.com" {
		t.Fatalf("record %q", rec)
	}
	if urlParse("http://[::1", nil) != nil {
		t.Fatal("invalid host accepted")
	}
	if rec := urlSet("http://a/", 6, "8080"); rec[4] != "a:8080" {
		t.Fatalf("port setter %q", rec)
	}
}
