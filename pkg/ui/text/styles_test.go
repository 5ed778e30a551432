package text

import (
	"strings"
	"testing"
)

func TestStylesColorOnlyWhenAsked(t *testing.T) {
	plain := NewStyles(false)
	for name, got := range map[string]string{
		"Done": plain.Done.Render("ok"), "Failed": plain.Failed.Render("ok"),
		"Faint": plain.Faint.Render("ok"), "Bold": plain.Bold.Render("ok"), "URL": plain.URL.Render("ok"),
	} {
		if got != "ok" {
			t.Errorf("without color %s.Render = %q, want plain text", name, got)
		}
	}
	colored := NewStyles(true)
	if got := colored.Done.Render("ok"); !strings.Contains(got, "\x1b[32m") {
		t.Errorf("with color Done.Render = %q, want the ANSI green (32)", got)
	}
}

func TestStatusStyle(t *testing.T) {
	s := NewStyles(true)
	for code, want := range map[int]string{200: s.Status2xx.Render("x"), 304: s.Status3xx.Render("x"),
		404: s.Status4xx.Render("x"), 502: s.Status5xx.Render("x")} {
		if got := s.Status(code).Render("x"); got != want {
			t.Errorf("Status(%d) renders %q, want %q", code, got, want)
		}
	}
}
