package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// jsonEvent is the stable shape of an event as JSON: the fields of
// events.Event, with the time in RFC 3339 and the duration in milliseconds.
// It is the line of --json and of the edge's log (valet logs reads it back),
// and programs parse it, so a name here never changes once released.
type jsonEvent struct {
	Time       string         `json:"time,omitempty"`
	Kind       string         `json:"kind"`
	Step       string         `json:"step,omitempty"`
	Message    string         `json:"message,omitempty"`
	Error      string         `json:"error,omitempty"`
	DurationMS *events.Millis `json:"duration_ms,omitempty"`
	Bytes      int64          `json:"bytes,omitempty"`
	Total      int64          `json:"total,omitempty"`
	Source     string         `json:"source,omitempty"`
	Level      string         `json:"level,omitempty"`
	Method     string         `json:"method,omitempty"`
	Path       string         `json:"path,omitempty"`
	Status     int            `json:"status,omitempty"`
	Route      string         `json:"route,omitempty"`
	Class      string         `json:"class,omitempty"`
	ObjectID   string         `json:"object_id,omitempty"`
	State      string         `json:"state,omitempty"`
	URL        string         `json:"url,omitempty"`
	Version    string         `json:"version,omitempty"`
	Host       string         `json:"host,omitempty"`
}

func toJSONEvent(e events.Event) jsonEvent {
	j := jsonEvent{
		Kind: string(e.Kind), Step: e.Step, Message: e.Message, Error: e.Error,
		Bytes: e.Bytes, Total: e.Total, Source: e.Source, Level: e.Level,
		Method: e.Method, Path: e.Path, Status: e.Status, Route: e.Route,
		Class: e.Class, ObjectID: e.ObjectID, State: e.State, URL: e.URL, Version: e.Version, Host: e.Host,
	}
	if !e.Time.IsZero() {
		j.Time = e.Time.UTC().Format(time.RFC3339Nano)
	}
	// Kinds that end something always say how long it took, even 0 ms.
	if e.Duration != 0 || e.Kind == events.StepDone || e.Kind == events.StepFailed || e.Kind == events.Request {
		ms := events.Millis(e.Duration)
		j.DurationMS = &ms
	}
	return j
}

func (j jsonEvent) event() (events.Event, error) {
	e := events.Event{
		Kind: events.Kind(j.Kind), Step: j.Step, Message: j.Message, Error: j.Error,
		Bytes: j.Bytes, Total: j.Total, Source: j.Source, Level: j.Level,
		Method: j.Method, Path: j.Path, Status: j.Status, Route: j.Route,
		Class: j.Class, ObjectID: j.ObjectID, State: j.State, URL: j.URL, Version: j.Version, Host: j.Host,
	}
	if j.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, j.Time)
		if err != nil {
			return events.Event{}, fmt.Errorf("event time %q: %w", j.Time, err)
		}
		e.Time = t
	}
	if j.DurationMS != nil {
		e.Duration = j.DurationMS.Duration()
	}
	return e, nil
}

// MarshalEvent is e as one JSON line, without the newline.
func MarshalEvent(e events.Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(toJSONEvent(e)); err != nil {
		return nil, fmt.Errorf("encode %s event: %w", e.Kind, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalEvent reads a line that MarshalEvent wrote. A JSON object
// without a kind is not an event.
func UnmarshalEvent(line []byte) (events.Event, error) {
	var j jsonEvent
	if err := json.Unmarshal(line, &j); err != nil {
		return events.Event{}, fmt.Errorf("not an event line: %w", err)
	}
	if j.Kind == "" {
		return events.Event{}, fmt.Errorf("not an event line: no kind")
	}
	return j.event()
}

// jsonReporter writes one JSON object per line.
type jsonReporter struct {
	mu     sync.Mutex
	w      io.Writer
	err    error
	closed bool
}

func newJSONReporter(w io.Writer) *jsonReporter { return &jsonReporter{w: w} }

func (r *jsonReporter) Start() {}

func (r *jsonReporter) Interrupted() <-chan struct{} { return nil }

func (r *jsonReporter) Emit(e events.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	b, err := MarshalEvent(e)
	if err == nil {
		_, err = r.w.Write(append(b, '\n'))
	}
	if err != nil {
		r.err = fmt.Errorf("write JSON event: %w", err)
	}
}

func (r *jsonReporter) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.err
}
