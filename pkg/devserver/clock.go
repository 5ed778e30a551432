package devserver

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/appserver"
)

// TestClock is the clock of a session's cron triggers, queues and
// workflows in tests (Options.TestClock): workerd's bundled modules run
// with TEST_CLOCK, and Advance moves it, so that a cron's next run comes
// now instead of minutes from now.
type TestClock struct {
	app *atomic.Pointer[appserver.App] // the version in service, once the session runs
}

// NewTestClock returns a clock to pass in Options.TestClock.
func NewTestClock() *TestClock { return &TestClock{} }

// Advance moves the clock of the version in service by d and returns once
// its modules have taken it (a cron due within d has been started).
func (c *TestClock) Advance(ctx context.Context, d time.Duration) error {
	if c.app == nil || c.app.Load() == nil {
		return errors.New("the dev session is not serving yet")
	}
	return c.app.Load().AdvanceClock(ctx, d)
}
