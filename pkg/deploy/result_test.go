package deploy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/events"
)

// Every duration valet writes as JSON is in milliseconds, in a field named
// *_ms (as the README documents): the result of valet deploy --json and
// the edge's answer it comes from.
func TestResultDurationsInMilliseconds(t *testing.T) {
	res := &Result{
		Duration: events.Millis(2500 * time.Millisecond), Drain: events.Millis(30 * time.Millisecond),
		Check: &edgehost.CheckResult{OK: true, Path: "/", Attempts: 2, Duration: events.Millis(1200 * time.Microsecond)},
	}
	act := &edgehost.ActivateResult{OK: true, Check: res.Check, Drain: res.Drain}
	for name, v := range map[string]any{"deploy result": res, "edge answer": act} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var keys []string
		walkKeys(m, "", &keys)
		for _, k := range keys {
			if strings.HasSuffix(k, "_ns") || strings.HasSuffix(k, "duration") {
				t.Errorf("%s: field %s is not in milliseconds (*_ms):\n%s", name, k, b)
			}
		}
		if got := m["drain_ms"]; got != 30.0 {
			t.Errorf("%s: drain_ms = %v, want 30", name, got)
		}
		if got := m["check"].(map[string]any)["duration_ms"]; got != 1.2 {
			t.Errorf("%s: check.duration_ms = %v, want 1.2", name, got)
		}
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"duration_ms":2500`) {
		t.Errorf("deploy result %s, want duration_ms 2500", b)
	}
}

func walkKeys(v any, prefix string, keys *[]string) {
	if m, ok := v.(map[string]any); ok {
		for k, sub := range m {
			*keys = append(*keys, prefix+k)
			walkKeys(sub, prefix+k+".", keys)
		}
	}
}
