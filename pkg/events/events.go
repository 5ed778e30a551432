// Package events is the one stream of progress that long work (build, dev,
// deploy) emits. Business code emits events and never prints; pkg/ui renders
// the stream as a bubbletea view, plain lines, or JSON lines.
package events

import (
	"errors"
	"sync"
	"time"
)

// Kind says what happened.
type Kind string

const (
	StepStarted    Kind = "step_started"    // Step began
	StepDone       Kind = "step_done"       // Step finished; Duration set
	StepSkipped    Kind = "step_skipped"    // Step not needed; Message says why
	StepFailed     Kind = "step_failed"     // Step failed; Error set
	Progress       Kind = "progress"        // Bytes of Total done within Step
	Log            Kind = "log"             // a line of output from Source (build step, container, worker)
	Info           Kind = "info"            // a note for the user
	Warning        Kind = "warning"         // something the user should fix but that does not stop the work
	Request        Kind = "request"         // a request served by the edge
	ContainerState Kind = "container_state" // a container changed state
	Ready          Kind = "ready"           // the server listens on URL
	Reloaded       Kind = "reloaded"        // dev: a rebuild took effect
)

// Event is one thing that happened. Only the fields that fit its Kind are
// set. It has no JSON form of its own: pkg/ui writes and reads the one
// (ui.MarshalEvent), with the duration in milliseconds.
type Event struct {
	Time time.Time
	Kind Kind

	Step     string
	Message  string
	Error    string
	Duration time.Duration

	// Progress
	Bytes int64
	Total int64

	// Log: Source names where the line came from ("build", "container:Container/abc", "worker"),
	// Level its level when the source has levels (log, info, debug, warn, error).
	Source string
	Level  string

	// Request
	Method string
	Path   string
	Status int
	Route  string // "asset", "worker", "do:Container"

	// ContainerState
	Class    string
	ObjectID string
	State    string // starting, running, sleeping, stopped, crashed

	// Ready
	URL string

	// Version is the app version that emitted the event, on a host where
	// two may run at once (during a deploy's switch).
	Version string

	// Host is the host the event happened on, when the app runs on
	// several (valet logs of a cluster).
	Host string
}

// Sink receives events. Implementations must be safe for concurrent use.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// Discard drops every event.
var Discard Sink = SinkFunc(func(Event) {})

// Emitter stamps events with the time and hands them to a Sink. A nil
// *Emitter drops events, so optional reporting needs no checks.
type Emitter struct {
	sink Sink
	now  func() time.Time
}

// NewEmitter returns an Emitter writing to sink.
func NewEmitter(sink Sink) *Emitter {
	if sink == nil {
		sink = Discard
	}
	return &Emitter{sink: sink, now: time.Now}
}

// Emit sends e, stamping its time when unset.
func (em *Emitter) Emit(e Event) {
	if em == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = em.now()
	}
	em.sink.Emit(e)
}

// Step runs fn as a named step: the middleware of every step valet runs
// (pkg/pipeline's and the single ones of dev's rebuilds), so that timing,
// events and skips live here and not in each step. It emits started, then
// done, failed, or skipped with its reason when fn returns a Skip.
func (em *Emitter) Step(name string, fn func() error) error {
	start := time.Now()
	em.Emit(Event{Kind: StepStarted, Step: name})
	err := fn()
	if reason, ok := SkipReason(err); ok {
		em.Emit(Event{Kind: StepSkipped, Step: name, Message: reason, Duration: time.Since(start)})
		return nil
	}
	if err != nil {
		em.Emit(Event{Kind: StepFailed, Step: name, Error: err.Error(), Duration: time.Since(start)})
		return err
	}
	em.Emit(Event{Kind: StepDone, Step: name, Duration: time.Since(start)})
	return nil
}

// Skip is what a step returns when it finds its work done already or
// nothing to do: a value with a reason, shown as a note, not a failure
// (goreleaser's pipe.Skip).
func Skip(reason string) error { return skipError(reason) }

type skipError string

func (e skipError) Error() string { return "skipped: " + string(e) }

// SkipReason reports whether err is (or wraps) a Skip, and its reason.
func SkipReason(err error) (string, bool) {
	var s skipError
	if errors.As(err, &s) {
		return string(s), true
	}
	return "", false
}

// Infof emits an Info event.
func (em *Emitter) Info(msg string) { em.Emit(Event{Kind: Info, Message: msg}) }

// Warn emits a Warning event.
func (em *Emitter) Warn(msg string) { em.Emit(Event{Kind: Warning, Message: msg}) }

// Recorder is a Sink that keeps every event, for tests.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Emit records e.
func (r *Recorder) Emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Events returns a copy of what was recorded.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}
