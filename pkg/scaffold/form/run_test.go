package form

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
)

// Run reads keys from any reader; bubbletea parses the bytes a terminal
// would send.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	got, err := Run(context.Background(), strings.NewReader("shop\r\x1b[B\rn\ry"), &out, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := Answers{Name: "shop", Template: "worker", Install: false, Git: true}
	if got != want {
		t.Errorf("answers %+v, want %+v", got, want)
	}
	if !strings.Contains(out.String(), "Template     worker") {
		t.Errorf("output lacks the answers:\n%q", out.String())
	}
}

func TestRun_cancel(t *testing.T) {
	_, err := Run(context.Background(), strings.NewReader("shop\x03"), &bytes.Buffer{}, testOptions())
	if !errors.Is(err, cmdutil.CancelError) {
		t.Errorf("err = %v, want CancelError", err)
	}
}

func TestRun_inputEndsEarly(t *testing.T) {
	_, err := Run(context.Background(), strings.NewReader("shop\r"), &bytes.Buffer{}, testOptions())
	if !errors.Is(err, cmdutil.CancelError) {
		t.Errorf("err = %v, want CancelError when the input ends before the last answer", err)
	}
}

func TestRun_noTemplates(t *testing.T) {
	opts := testOptions()
	opts.Templates = nil
	if _, err := Run(context.Background(), strings.NewReader(""), &bytes.Buffer{}, opts); err == nil {
		t.Error("Run with no templates succeeded")
	}
}
