package devserver

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// TestWorkerLogs: the worker's console calls reach the log with their
// level, and exceptions no caller sees (a rejected waitUntil, a throwing
// alarm) with their stack mapped to the sources, without valet's frames.
func TestWorkerLogs(t *testing.T) {
	s := startDev(t, fixture(t, "logs"))
	for _, path := range []string{"/console", "/wait", "/alarm"} {
		if code, body := get(t, s.url+path); code != 200 {
			t.Fatalf("GET %s = %d %q", path, code, body)
		}
	}
	want := []struct {
		level string
		re    *regexp.Regexp
	}{
		{"log", regexp.MustCompile(`^hello \{ a: 1 \}$`)},
		{"warn", regexp.MustCompile(`^careful$`)},
		{"error", regexp.MustCompile(`^bad Error: logged\n    at Object\.fetch \(src/index\.ts:25:\d+\)`)},
		{"error", regexp.MustCompile(`^Uncaught \(in promise\) Error: later\n    at Object\.fetch \(src/index\.ts:28:\d+\)`)},
		{"error", regexp.MustCompile(`^Uncaught Error: the alarm failed\n    at Alarms\.alarm \(src/index\.ts:14:\d+\)`)},
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var missing []string
		logs := workerLogs(s.rec)
		for _, w := range want {
			found := false
			for _, e := range logs {
				if e.Level == w.level && w.re.MatchString(e.Message) {
					found = true
				}
			}
			if !found {
				missing = append(missing, w.level+" "+w.re.String())
			}
		}
		if len(missing) == 0 {
			for _, e := range logs {
				if strings.Contains(e.Message, "__valet_") || strings.Contains(e.Message, "worker.js:") {
					t.Errorf("a log line shows valet's modules or the bundle: %q", e.Message)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			var got []string
			for _, e := range logs {
				got = append(got, e.Level+" "+e.Message)
			}
			t.Fatalf("missing log lines:\n%s\ngot:\n%s", strings.Join(missing, "\n"), strings.Join(got, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func workerLogs(rec *events.Recorder) []events.Event {
	var out []events.Event
	for _, e := range rec.Events() {
		if e.Kind == events.Log && e.Source == "worker" {
			out = append(out, e)
		}
	}
	return out
}
