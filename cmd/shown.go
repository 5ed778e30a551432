package cmd

import (
	"strings"
	"sync"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui"
)

// shownFailures passes events on to a reporter and remembers the errors of
// the failed steps it showed, so Run does not print the same text again
// after the plain lines (a bundle error with its code frames is long).
type shownFailures struct {
	ui.Reporter
	mode ui.Mode

	mu     sync.Mutex
	errors []string
}

func trackFailures(rep ui.Reporter, mode ui.Mode) *shownFailures {
	return &shownFailures{Reporter: rep, mode: mode}
}

func (s *shownFailures) Emit(e events.Event) {
	if e.Kind == events.StepFailed && e.Error != "" {
		s.mu.Lock()
		s.errors = append(s.errors, e.Error)
		s.mu.Unlock()
	}
	s.Reporter.Emit(e)
}

// result marks err as shown when a plain line already carried its text,
// whole or with only context added around it on the way up (the step line
// names what failed). The TUI may cut long errors and JSON goes to stdout,
// so those still get the closing "error:" line on stderr.
func (s *shownFailures) result(err error) error {
	if err == nil || s.mode != ui.Plain {
		return err
	}
	msg := err.Error()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, shown := range s.errors {
		if strings.Contains(shown, msg) || (len(shown) >= 40 && strings.Contains(msg, shown)) {
			return &cmdutil.ShownError{Err: err}
		}
	}
	return err
}
