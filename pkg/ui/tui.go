package ui

import (
	"errors"
	"fmt"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/ui/dashboard"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// stopTimeout bounds how long Stop waits for the program to draw its last
// frame; past it the program is killed so the command can still exit.
const stopTimeout = 5 * time.Second

// tuiReporter feeds the dashboard. Emit never waits for rendering: events
// queue here and one goroutine hands them to the program in batches, so a
// burst (a load test against valet dev) costs one frame, not one per event.
type tuiReporter struct {
	prog *tea.Program
	now  func() time.Time

	mu       sync.Mutex
	pending  []events.Event
	started  bool
	stopping bool

	wake        chan struct{} // capacity 1: "pending has events, or stopping"
	done        chan struct{} // closed when the program has exited
	interrupted chan struct{} // closed when the user quit
	stopOnce    sync.Once
	runErr      error
}

func newTUIReporter(io *iostreams.IOStreams) *tuiReporter {
	renderer := text.NewRenderer(io.ErrOut, io.ColorEnabled())
	opts := []tea.ProgramOption{
		tea.WithOutput(io.ErrOut),
		// The command owns SIGINT/SIGTERM (its context); keys come as keys.
		tea.WithoutSignalHandler(),
	}
	if io.IsStdinTTY() {
		opts = append(opts, tea.WithInput(io.In))
	} else {
		opts = append(opts, tea.WithInput(nil))
	}
	return &tuiReporter{
		prog:        tea.NewProgram(dashboard.New(dashboard.Options{Renderer: renderer}), opts...),
		now:         time.Now,
		wake:        make(chan struct{}, 1),
		done:        make(chan struct{}),
		interrupted: make(chan struct{}),
	}
}

func (r *tuiReporter) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	go r.run()
	go r.feed()
}

func (r *tuiReporter) run() {
	defer close(r.done)
	final, err := r.prog.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		r.runErr = fmt.Errorf("terminal dashboard: %w", err)
	}
	if m, ok := final.(dashboard.Model); ok && m.Interrupted() {
		close(r.interrupted)
	}
}

// feed hands queued events to the program, then the stop message.
func (r *tuiReporter) feed() {
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
			r.prog.Send(dashboard.EventsMsg(batch))
		}
		if stop {
			r.prog.Send(dashboard.StopMsg{At: r.now()})
			return
		}
	}
}

func (r *tuiReporter) Emit(e events.Event) {
	if e.Time.IsZero() {
		e.Time = r.now()
	}
	select {
	case <-r.done: // the user quit the dashboard; nobody would read it
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

func (r *tuiReporter) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *tuiReporter) Interrupted() <-chan struct{} { return r.interrupted }

// Stop shows the last events and the summary, and gives the terminal back.
func (r *tuiReporter) Stop() error {
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
