package ui

import (
	"sync"
	"testing"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

func TestNewReporterKinds(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	if _, ok := NewReporter(ios, Plain).(*plainReporter); !ok {
		t.Error("Plain is not the plain reporter")
	}
	if _, ok := NewReporter(ios, JSON).(*jsonReporter); !ok {
		t.Error("JSON is not the JSON reporter")
	}
	if _, ok := NewReporter(ios, TUI).(*tuiReporter); !ok {
		t.Error("TUI is not the TUI reporter")
	}
}

// Every reporter is an events.Sink that many goroutines may share (run with -race).
func TestReportersConcurrentEmit(t *testing.T) {
	for _, mode := range []Mode{Plain, JSON} {
		t.Run(mode.String(), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var sink events.Sink = NewReporter(ios, mode)
			em := events.NewEmitter(sink)
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 100 {
						_ = em.Step("step", func() error { return nil })
					}
				}()
			}
			wg.Wait()
		})
	}
}

func TestPlainAndJSONNeverInterrupt(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	for _, mode := range []Mode{Plain, JSON} {
		if NewReporter(ios, mode).Interrupted() != nil {
			t.Errorf("%v: Interrupted is not nil", mode)
		}
	}
}
