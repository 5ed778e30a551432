package dashboard

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// stopTimeout bounds how long Stop waits for the last frame.
const stopTimeout = 5 * time.Second

// Reporter runs the dashboard on the terminal and feeds it events. It
// satisfies pkg/ui's Reporter, so `valet dev` picks it in TUI mode.
// Emit never waits for rendering: events queue and go in batches.
type Reporter struct {
	prog *tea.Program
	out  io.Writer
	now  func() time.Time

	mu       sync.Mutex
	pending  []events.Event
	started  bool
	stopping bool

	wake        chan struct{}
	done        chan struct{}
	interrupted chan struct{}
	quitOnce    sync.Once
	stopOnce    sync.Once
	runErr      error
}

// NewReporter returns a dashboard on ios.ErrOut (full screen) reading keys
// from io.In. opts.Quit is set by the reporter: a quit key closes
// Interrupted.
func NewReporter(ios *iostreams.IOStreams, opts Options) *Reporter {
	r := &Reporter{
		now:         time.Now,
		out:         ios.ErrOut,
		wake:        make(chan struct{}, 1),
		done:        make(chan struct{}),
		interrupted: make(chan struct{}),
	}
	opts.Quit = func() { r.quitOnce.Do(func() { close(r.interrupted) }) }
	if opts.Renderer == nil {
		opts.Renderer = text.NewRenderer(ios.ErrOut, ios.ColorEnabled())
	}
	popts := []tea.ProgramOption{
		tea.WithOutput(ios.ErrOut),
		tea.WithAltScreen(),
		// The command owns SIGINT/SIGTERM; on a terminal Ctrl-C comes as a key.
		tea.WithoutSignalHandler(),
	}
	if ios.IsStdinTTY() {
		popts = append(popts, tea.WithInput(ios.In))
	} else {
		popts = append(popts, tea.WithInput(nil))
	}
	r.prog = tea.NewProgram(New(opts), popts...)
	return r
}

// Start takes the terminal.
func (r *Reporter) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	go r.run()
	go r.feed()
}

func (r *Reporter) run() {
	defer close(r.done)
	final, err := r.prog.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		r.runErr = fmt.Errorf("terminal dashboard: %w", err)
	}
	if m, ok := final.(Model); ok {
		// Leaving by a second x (or the program ending on its own) is a quit too.
		if m.Stopping() || m.stopped {
			r.quitOnce.Do(func() { close(r.interrupted) })
		}
		// The full screen is gone: leave one line in the scrollback.
		fmt.Fprintln(r.out, m.Summary())
	}
}

func (r *Reporter) feed() {
	for {
		select {
		case <-r.wake:
		case <-r.done:
			return
		}
		r.mu.Lock()
		batch, stop := r.pending, r.stopping
		r.pending = nil
		r.mu.Unlock()
		if len(batch) > 0 {
			r.prog.Send(EventsMsg(batch))
		}
		if stop {
			r.prog.Send(StopMsg{})
			return
		}
	}
}

// Emit queues e for the next frame.
func (r *Reporter) Emit(e events.Event) {
	if e.Time.IsZero() {
		e.Time = r.now()
	}
	select {
	case <-r.done:
		return
	default:
	}
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		return
	}
	r.pending = append(r.pending, e)
	r.mu.Unlock()
	r.signal()
}

func (r *Reporter) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Interrupted is closed when the user pressed x, q or Ctrl-C.
func (r *Reporter) Interrupted() <-chan struct{} { return r.interrupted }

// Stop gives the terminal back.
func (r *Reporter) Stop() error {
	r.stopOnce.Do(func() {
		r.mu.Lock()
		r.stopping = true
		started := r.started
		r.mu.Unlock()
		if !started {
			return
		}
		r.signal()
		select {
		case <-r.done:
		case <-time.After(stopTimeout):
			r.prog.Kill()
			<-r.done
		}
	})
	return r.runErr
}
