package text

import (
	"bytes"
	"strings"
	"testing"
)

func TestStylesColorOnlyWhenAsked(t *testing.T) {
	var buf bytes.Buffer
	plain := NewStyles(NewRenderer(&buf, false))
	if got := plain.Done.Render("ok"); got != "ok" {
		t.Errorf("without color Done.Render = %q, want plain text", got)
	}
	colored := NewStyles(NewRenderer(&buf, true))
	if got := colored.Done.Render("ok"); !strings.Contains(got, "\x1b[") {
		t.Errorf("with color Done.Render = %q, want an ANSI sequence", got)
	}
	if buf.Len() != 0 {
		t.Errorf("building styles wrote %q to the terminal", buf.String())
	}
}

func TestStatusStyle(t *testing.T) {
	s := NewStyles(NewRenderer(&bytes.Buffer{}, true))
	for code, want := range map[int]string{200: s.Status2xx.Render("x"), 304: s.Status3xx.Render("x"),
		404: s.Status4xx.Render("x"), 502: s.Status5xx.Render("x")} {
		if got := s.Status(code).Render("x"); got != want {
			t.Errorf("Status(%d) renders %q, want %q", code, got, want)
		}
	}
}
