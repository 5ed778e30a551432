package ui

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

func TestJSONLines(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	r := NewReporter(ios, JSON)
	r.Start()
	for _, e := range sampleEvents() {
		r.Emit(e)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if errOut.Len() != 0 {
		t.Errorf("JSON mode wrote to stderr: %q", errOut)
	}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	n := 0
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%s", n+1, err, sc.Text())
		}
		if m["kind"] == "" || m["time"] != "2026-01-02T03:04:05Z" {
			t.Errorf("line %d: kind %v time %v", n+1, m["kind"], m["time"])
		}
		if _, ok := m["duration_ns"]; ok {
			t.Errorf("line %d has duration_ns; JSON lines use duration_ms", n+1)
		}
		n++
	}
	if n != len(sampleEvents()) {
		t.Errorf("%d lines, want %d", n, len(sampleEvents()))
	}
}

// The field names are a contract with the programs that read --json.
func TestJSONFieldNames(t *testing.T) {
	e := events.Event{
		Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), Kind: events.Request,
		Step: "s", Message: "m", Error: "e", Duration: 12500 * time.Microsecond, Bytes: 1, Total: 2,
		Source: "src", Method: "GET", Path: "/p", Status: 200, Route: "worker",
		Class: "C", ObjectID: "id", State: "running", URL: "http://127.0.0.1:1", Version: "v1",
	}
	b, err := json.Marshal(toJSONEvent(e))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-01-02T03:04:05.000006Z","kind":"request","step":"s","message":"m","error":"e",` +
		`"duration_ms":12.5,"bytes":1,"total":2,"source":"src","method":"GET","path":"/p","status":200,` +
		`"route":"worker","class":"C","object_id":"id","state":"running","url":"http://127.0.0.1:1","version":"v1"}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
}

// What MarshalEvent writes (the edge's log), UnmarshalEvent reads back
// whole (valet logs).
func TestEventRoundTrip(t *testing.T) {
	for _, e := range append(sampleEvents(),
		events.Event{Kind: events.Request, Method: "GET", Path: "/<x>", Status: 502, Duration: 1234567 * time.Nanosecond, Error: "upstream", Version: "v2"},
		events.Event{Kind: events.Log, Source: "container:Box/abc", Message: "listening"},
	) {
		b, err := MarshalEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalEvent(b)
		want := e
		want.Duration = e.Duration.Truncate(time.Microsecond)
		if err != nil || !got.Time.Equal(want.Time) {
			t.Fatalf("UnmarshalEvent(%s) = %+v, %v", b, got, err)
		}
		got.Time, want.Time = time.Time{}, time.Time{}
		if got != want {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", b, got, want)
		}
	}
	for _, bad := range []string{`{"message":"x"}`, `not json`, `{"kind":"log","time":"yesterday"}`} {
		if _, err := UnmarshalEvent([]byte(bad)); err == nil {
			t.Errorf("UnmarshalEvent(%s) took it for an event", bad)
		}
	}
}

func TestJSONDurationZero(t *testing.T) {
	for kind, want := range map[events.Kind]bool{events.StepDone: true, events.Request: true, events.Info: false} {
		b, _ := json.Marshal(toJSONEvent(events.Event{Kind: kind}))
		if got := strings.Contains(string(b), `"duration_ms":0`); got != want {
			t.Errorf("%s: duration_ms present = %v, want %v (%s)", kind, got, want, b)
		}
	}
}

func TestJSONNoHTMLEscaping(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	r := NewReporter(ios, JSON)
	r.Emit(events.Event{Kind: events.Info, Message: "<a> & <b>"})
	if !strings.Contains(out.String(), `"<a> & <b>"`) {
		t.Errorf("output = %s, want the message as written", out)
	}
}
