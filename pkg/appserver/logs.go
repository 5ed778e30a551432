package appserver

import (
	"errors"
	"regexp"
	"strings"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
)

// logSink turns what workerd says into events: console calls of the worker
// as Log events with Source "worker", workerd's own messages with Source
// "workerd", each with its level, and with every position in the bundle
// mapped to the original sources. Exceptions no caller sees reach it as
// console.error calls of valet's dev wrapper (workerd.EntryOptions.Dev).
type logSink struct {
	em      *events.Emitter
	mappers []*workerd.StackMapper // one a worker of the process
}

func newLogSink(em *events.Emitter, mappers ...*workerd.StackMapper) *logSink {
	return &logSink{em: em, mappers: mappers}
}

// mapPositions maps the positions of every worker's bundle in text.
func (l *logSink) mapPositions(text string) string {
	for _, m := range l.mappers {
		text = m.Map(text)
	}
	return text
}

func (l *logSink) line(ll workerd.LogLine) {
	if noise(ll.Message) {
		return
	}
	source, msg := "worker", ll.Message
	if ll.Source != "" {
		source, msg = "workerd", internalPrefix.ReplaceAllString(msg, "")
	}
	level := ll.Level
	if level == "" {
		level = "log"
	}
	l.em.Emit(events.Event{Time: ll.Time, Kind: events.Log, Source: source, Level: level, Message: l.mapStack(msg)})
}

// internalPrefix is the C++ location and error kind workerd puts before a
// JavaScript error in its own messages ("workerd/jsg/value.h:1456: failed:
// remote.jsg.TypeError: boom"): only the error means something to the user.
var internalPrefix = regexp.MustCompile(`workerd/[\w/.+-]+:\d+: failed: (remote\.)?(jsg\.)?`)

// mapStack maps the positions in text to the original sources and drops
// the stack frames of valet's own modules, which the user did not write.
func (l *logSink) mapStack(text string) string {
	text = l.mapPositions(text)
	if !strings.Contains(text, "__valet_") {
		return text
	}
	lines := strings.Split(text, "\n")
	kept := lines[:0]
	for _, line := range lines {
		if isValetFrame(line) {
			continue
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\n")
}

func isValetFrame(line string) bool {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, "at ") {
		return false
	}
	for _, m := range []string{workerd.EntryModule, workerd.RTModule, workerd.DevModule} {
		if strings.Contains(t, m+":") {
			return true
		}
	}
	return false
}

// mapError maps the positions in a start error, and drops the lines about
// valet's own probe that a worker failing to load also causes.
func (l *logSink) mapError(err error) error {
	var kept []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if noise(line) {
			continue
		}
		kept = append(kept, l.mapPositions(line))
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
