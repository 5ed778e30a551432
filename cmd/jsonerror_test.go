package cmd

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONErrorIsLastLine(t *testing.T) {
	code, out, errOut := runValet(t, "build", "--json", "--outdir")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var e jsonError
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &e); err != nil {
		t.Fatalf("stdout is not JSON lines: %v\n%s", err, out)
	}
	if e.Kind != "error" || e.ExitCode != 2 || !strings.Contains(e.Error, "--outdir needs a value") || e.Time == "" {
		t.Errorf("error event = %+v", e)
	}
	if !strings.Contains(errOut, "error: --outdir needs a value") {
		t.Errorf("stderr lacks the error for a person:\n%s", errOut)
	}
}

func TestNoJSONNoStdout(t *testing.T) {
	_, out, _ := runValet(t, "build", "--outdir")
	if out != "" {
		t.Errorf("stdout without --json: %q", out)
	}
}
