package ui

import (
	"errors"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/iostreams"
)

// stopTimeout bounds how long Stop waits for the program to draw its last
// frame; past it the program is killed so the command can still exit.
const stopTimeout = 5 * time.Second

// ProgramOptions say how a Program talks to its model.
type ProgramOptions struct {
	// Events wraps a batch of queued events in the model's message.
	Events func([]events.Event) tea.Msg
	// Stop is the message that asks the model to draw its last frame and
	// quit; at is when Stop was called.
	Stop func(at time.Time) tea.Msg
	// Exited is given the model the program ended with and reports whether
	// the user quit (Interrupted is then closed). It may also write what
	// stays in the scrollback. Nil means the user never quits this way.
	Exited func(final tea.Model) (quit bool)
}

// Program runs a bubbletea model on the terminal of an IOStreams (ErrOut,
// keys from In when it is a terminal) and feeds it events: it is a
// Reporter for any model. Emit never waits for rendering: events queue and
// one goroutine hands them to the model in batches, so a burst (a load
// test against valet dev) costs one frame, not one per event.
type Program struct {
	prog *tea.Program
	opts ProgramOptions
	now  func() time.Time

	mu       sync.Mutex
	pending  []events.Event
	started  bool
	stopping bool

	wake        chan struct{} // capacity 1: "pending has events, or stopping"
	done        chan struct{} // closed when the program has exited
	interrupted chan struct{} // closed when the user quit
	quitOnce    sync.Once
	stopOnce    sync.Once
	runErr      error
}

// NewProgram returns a Program for model on ios; nothing is drawn before
// Start, and nothing asks the terminal anything before it either (whether
// the model runs full screen is its View's AltScreen).
func NewProgram(ios *iostreams.IOStreams, model tea.Model, opts ProgramOptions) *Program {
	// Colors are iostreams' decision (NO_COLOR, TERM=dumb), not a second
	// detection; the styles use the 16 ANSI colors only.
	profile := colorprofile.Ascii
	if ios.ColorEnabled() {
		profile = colorprofile.ANSI
	}
	popts := []tea.ProgramOption{
		tea.WithOutput(ios.ErrOut),
		tea.WithColorProfile(profile),
		// The size when ErrOut is not a terminal (a test's buffer), where
		// bubbletea would otherwise draw on 0×0; a terminal's own size
		// replaces it.
		tea.WithWindowSize(80, 24),
		// The command owns SIGINT/SIGTERM (its context); on a terminal
		// Ctrl-C comes as a key.
		tea.WithoutSignalHandler(),
	}
	if ios.IsStdinTTY() {
		popts = append(popts, tea.WithInput(ios.In))
	} else {
		// No keys to read: bubbletea then sends no terminal query either,
		// since it could not read the answer.
		popts = append(popts, tea.WithInput(nil))
	}
	return &Program{
		prog:        tea.NewProgram(model, popts...),
		opts:        opts,
		now:         time.Now,
		wake:        make(chan struct{}, 1),
		done:        make(chan struct{}),
		interrupted: make(chan struct{}),
	}
}

// Start takes the terminal. Events emitted before it wait for it.
func (p *Program) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return
	}
	p.started = true
	go p.run()
	go p.feed()
}

func (p *Program) run() {
	defer close(p.done)
	final, err := p.prog.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		p.runErr = fmt.Errorf("terminal dashboard: %w", err)
	}
	if p.opts.Exited != nil && final != nil && p.opts.Exited(final) {
		p.Quit()
	}
}

// feed hands queued events to the program, then the stop message.
func (p *Program) feed() {
	for {
		select {
		case <-p.wake:
		case <-p.done:
			return
		}
		p.mu.Lock()
		batch, stop := p.pending, p.stopping
		p.pending = nil
		p.mu.Unlock()
		if len(batch) > 0 {
			p.prog.Send(p.opts.Events(batch))
		}
		if stop {
			p.prog.Send(p.opts.Stop(p.now()))
			return
		}
	}
}

// Emit queues e for the next frame.
func (p *Program) Emit(e events.Event) {
	if e.Time.IsZero() {
		e.Time = p.now()
	}
	select {
	case <-p.done: // the user quit the dashboard; nobody would read it
		return
	default:
	}
	p.mu.Lock()
	if p.stopping {
		p.mu.Unlock()
		return
	}
	p.pending = append(p.pending, e)
	p.mu.Unlock()
	p.signal()
}

func (p *Program) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Quit closes Interrupted (once): for a model that hears the user quit
// while it keeps running (a confirmation, a last frame).
func (p *Program) Quit() { p.quitOnce.Do(func() { close(p.interrupted) }) }

// Interrupted is closed when the user quit.
func (p *Program) Interrupted() <-chan struct{} { return p.interrupted }

// Stop shows the last events and the model's last frame, and gives the
// terminal back.
func (p *Program) Stop() error {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.stopping = true
		started := p.started
		p.mu.Unlock()
		if !started {
			return
		}
		p.signal()
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			p.prog.Kill()
			<-p.done
		}
	})
	return p.runErr
}
