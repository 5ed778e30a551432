package form

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/valet-dev/valet/pkg/cmdutil"
)

// Run shows the form, reading keys from in and drawing on out (stderr, so
// that stdout stays for data), and returns the answers. Esc or ctrl+c
// returns cmdutil.CancelError.
func Run(ctx context.Context, in io.Reader, out io.Writer, opts Options) (Answers, error) {
	if len(opts.Templates) == 0 {
		return Answers{}, fmt.Errorf("form: no templates to choose from")
	}
	var p *tea.Program
	if _, isFile := in.(*os.File); !isFile {
		// bubbletea waits forever once a reader ends; a terminal never
		// ends, but a pipe or a test's buffer does. (A file is passed as it
		// is, so that bubbletea can put a terminal in raw mode.)
		in = &endReader{r: in, end: func() { p.Send(inputEnded{}) }}
	}
	p = tea.NewProgram(New(opts), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
	final, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) {
		return Answers{}, cmdutil.CancelError
	}
	if err != nil {
		return Answers{}, fmt.Errorf("interactive form: %w", err)
	}
	m, ok := final.(Model)
	if !ok || m.Cancelled() || !m.Done() {
		return Answers{}, cmdutil.CancelError
	}
	return m.Answers(), nil
}

// inputEnded tells the model that no more keys will come.
type inputEnded struct{}

// endReader calls end once when r is exhausted.
type endReader struct {
	r     io.Reader
	end   func()
	ended bool
}

func (e *endReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF && !e.ended {
		e.ended = true
		e.end()
	}
	return n, err
}
