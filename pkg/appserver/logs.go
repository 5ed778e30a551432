package appserver

import (
	"errors"
	"strings"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
)

// logSink turns what workerd says into events: console calls of the worker
// as Log events with Source "worker" and Step the level, workerd's own
// messages with Source "workerd", and uncaught exceptions (from the tail
// worker) with their stacks mapped to the original sources.
type logSink struct {
	em     *events.Emitter
	mapper *workerd.StackMapper
}

func newLogSink(em *events.Emitter, sourceMap []byte) *logSink {
	return &logSink{em: em, mapper: workerd.NewStackMapper(appModule, sourceMap)}
}

func (l *logSink) line(ll workerd.LogLine) {
	if noise(ll.Message) {
		return
	}
	source := "worker"
	if ll.Source != "" {
		source = "workerd"
	}
	level := ll.Level
	if level == "" {
		level = "log"
	}
	l.em.Emit(events.Event{Time: ll.Time, Kind: events.Log, Source: source, Step: level, Message: l.mapper.Map(ll.Message)})
}

func (l *logSink) trace(items []workerd.TraceItem) {
	for _, it := range items {
		for _, ex := range it.Exceptions {
			msg := ex.Name + ": " + ex.Message
			if ex.Stack != "" {
				msg += "\n" + l.mapper.Map(strings.TrimRight(ex.Stack, "\n"))
			}
			l.em.Emit(events.Event{Kind: events.Log, Source: "worker", Step: "error", Message: "Uncaught " + msg, Path: it.URL})
		}
	}
}

// mapError maps the positions in a start error, and drops the lines about
// valet's own probe that a worker failing to load also causes.
func (l *logSink) mapError(err error) error {
	var kept []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if noise(line) {
			continue
		}
		kept = append(kept, l.mapper.Map(line))
	}
	return errors.New(strings.Join(kept, "\n"))
}

// noise is what workerd says about valet's own services as a consequence of
// another error, which would only hide it, or about valet's own handoffs.
func noise(line string) bool {
	return strings.Contains(line, "valet-control") || strings.Contains(line, "__ValetProbe") ||
		// An alarm a version not in service leaves to the one that is.
		strings.Contains(line, workerd.ErrNotServing.Error())
}
