package appserver

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// TestClock is the clock of the cron triggers, queues and workflows of a
// dev session or a host, in tests: their versions run workerd's bundled
// modules with TEST_CLOCK (Options.TestClock), and Advance moves the clock
// of the version in service, so that a cron's next run comes now instead
// of minutes from now. The server owning the versions tells it which one
// serves (Use).
type TestClock struct {
	app atomic.Pointer[App]
}

// Use makes app the version Advance moves.
func (c *TestClock) Use(app *App) {
	if c != nil {
		c.app.Store(app)
	}
}

// Advance moves the clock of the version in service by d and returns once
// its modules have taken it (a cron due within d has been started).
func (c *TestClock) Advance(ctx context.Context, d time.Duration) error {
	app := c.app.Load()
	if app == nil {
		return errors.New("no version is serving yet")
	}
	return app.AdvanceClock(ctx, d)
}
