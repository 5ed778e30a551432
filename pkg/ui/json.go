package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/events"
)

// jsonEvent is the stable shape of a --json line: the fields of
// events.Event, with the time in RFC 3339 and the duration in milliseconds.
// Programs parse these lines, so a name here never changes once released.
type jsonEvent struct {
	Time       string   `json:"time"`
	Kind       string   `json:"kind"`
	Step       string   `json:"step,omitempty"`
	Message    string   `json:"message,omitempty"`
	Error      string   `json:"error,omitempty"`
	DurationMS *float64 `json:"duration_ms,omitempty"`
	Bytes      int64    `json:"bytes,omitempty"`
	Total      int64    `json:"total,omitempty"`
	Source     string   `json:"source,omitempty"`
	Method     string   `json:"method,omitempty"`
	Path       string   `json:"path,omitempty"`
	Status     int      `json:"status,omitempty"`
	Route      string   `json:"route,omitempty"`
	Class      string   `json:"class,omitempty"`
	ObjectID   string   `json:"object_id,omitempty"`
	State      string   `json:"state,omitempty"`
	URL        string   `json:"url,omitempty"`
}

func toJSONEvent(e events.Event) jsonEvent {
	j := jsonEvent{
		Time: e.Time.UTC().Format(time.RFC3339Nano), Kind: string(e.Kind),
		Step: e.Step, Message: e.Message, Error: e.Error,
		Bytes: e.Bytes, Total: e.Total, Source: e.Source,
		Method: e.Method, Path: e.Path, Status: e.Status, Route: e.Route,
		Class: e.Class, ObjectID: e.ObjectID, State: e.State, URL: e.URL,
	}
	if e.Time.IsZero() {
		j.Time = ""
	}
	// Kinds that end something always say how long it took, even 0 ms.
	if e.Duration != 0 || e.Kind == events.StepDone || e.Kind == events.StepFailed || e.Kind == events.Request {
		ms := float64(e.Duration.Microseconds()) / 1000
		j.DurationMS = &ms
	}
	return j
}

// jsonReporter writes one JSON object per line to stdout.
type jsonReporter struct {
	mu     sync.Mutex
	enc    *json.Encoder
	err    error
	closed bool
}

func newJSONReporter(w io.Writer) *jsonReporter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonReporter{enc: enc}
}

func (r *jsonReporter) Start() {}

func (r *jsonReporter) Interrupted() <-chan struct{} { return nil }

func (r *jsonReporter) Emit(e events.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	if err := r.enc.Encode(toJSONEvent(e)); err != nil {
		r.err = fmt.Errorf("write JSON event: %w", err)
	}
}

func (r *jsonReporter) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.err
}
