package runtime

import "testing"

func TestDecodeUTF8(t *testing.T) {
	cases := []struct {
		in   []byte
		want string
	}{
		{[]byte("ok"), "ok"},
		{[]byte{0xf0, 0x9f, 0x98, 0x41}, "\ufffdA"},                  // truncated 4-byte sequence: one U+FFFD
		{[]byte{0xc0, 0x80}, "\ufffd\ufffd"},                         // overlong: each byte replaced
		{[]byte{0xed, 0xa0, 0x80}, "\ufffd\ufffd\ufffd"},             // surrogate half
		{[]byte{0xe2, 0x82}, "\ufffd"},                               // truncated at end
		{[]byte{0xf4, 0x90, 0x80, 0x80}, "\ufffd\ufffd\ufffd\ufffd"}, // above U+10FFFF
	}
	for _, c := range cases {
		if got, _ := decodeUTF8(c.in, false); got != c.want {
			t.Errorf("% x: got %q want %q", c.in, got, c.want)
		}
	}
	if _, ok := decodeUTF8([]byte{0xff}, true); ok {
		t.Error("fatal decode accepted 0xff")
	}
}

func TestAtob(t *testing.T) {
	for in, want := range map[string]string{"aGVsbG8=": "hello", "aGVsbG8": "hello", " aG Vs\nbG8= ": "hello", "": ""} {
		if got, err := atob(in); err != nil || string(got) != want {
			t.Errorf("atob(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"a", "aGVsbG8==", "a=b=", "*"} {
		if _, err := atob(bad); err == nil {
			t.Errorf("atob(%q) accepted", bad)
		}
	}
}

func TestBufferEncodings(t *testing.T) {
	b, err := stringToBytes("aGk", "base64")
	if err != nil || string(b) != "hi" {
		t.Fatalf("%q %v", b, err)
	}
	if s, _ := bytesToString([]byte{0xfb, 0xff}, "base64url"); s != "-_8" {
		t.Errorf("base64url %q", s)
	}
	if _, err := stringToBytes("x", "utf32"); err == nil {
		t.Error("unknown encoding accepted")
	}
}
