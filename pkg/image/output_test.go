package image

import (
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

func TestBuildOutputError(t *testing.T) {
	rec := &events.Recorder{}
	out := newBuildOutput(events.NewEmitter(rec), "image:app")
	stream := `{"stream":"Step 1/3 : FROM scratch"}
{"stream":"\n"}
{"stream":" ---\u003e \n"}
{"stream":"Step 2/3 : RUN [\"/app\", \"selftest\"]"}
{"stream":"\n"}
{"stream":" ---\u003e Running in 565951062f9b\n"}
{"stream":"checking config\n\u001b[91mconfig: missing key"}
{"stream":"\u001b[0m"}
{"stream":"\n"}
{"errorDetail":{"code":3,"message":"The command '/app selftest' returned a non-zero code: 3"},"error":"The command '/app selftest' returned a non-zero code: 3"}
`
	err := engine.DecodeStream(strings.NewReader(stream), out.handle)
	be, ok := err.(*BuildError)
	if !ok {
		t.Fatalf("err = %v, want *BuildError", err)
	}
	be.Image, be.Dockerfile = "valet-app:123", "./Dockerfile"
	msg := be.Error()
	for _, want := range []string{"valet-app:123", "./Dockerfile", `Step 2/3 : RUN ["/app", "selftest"]`, "checking config", "config: missing key", "non-zero code: 3"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error text lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "Running in") {
		t.Errorf("error text keeps bookkeeping lines:\n%s", msg)
	}
	var logs []string
	for _, e := range rec.Events() {
		if e.Kind != events.Log || e.Source != "image:app" {
			t.Errorf("unexpected event %+v", e)
		}
		logs = append(logs, e.Message)
	}
	if len(logs) != 6 || logs[0] != "Step 1/3 : FROM scratch" || logs[5] != "config: missing key" {
		t.Errorf("log events = %q", logs)
	}
}
