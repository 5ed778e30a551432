package form

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"

	"github.com/valet-dev/valet/pkg/cmdutil"
)

// Run shows the form, reading keys from in and drawing on out (stderr, so
// that stdout stays for data), and returns the answers. Esc, ctrl+c, ctrl+d
// or the end of in returns cmdutil.CancelError.
func Run(ctx context.Context, in io.Reader, out io.Writer, opts Options) (Answers, error) {
	if len(opts.Templates) == 0 {
		return Answers{}, fmt.Errorf("form: no templates to choose from")
	}
	if _, isFile := in.(*os.File); !isFile {
		// bubbletea waits forever once a reader ends; a terminal never
		// ends, but a pipe or a test's buffer does. (A file is passed as it
		// is, so that bubbletea can put a terminal in raw mode.)
		in = &endReader{r: in}
	}
	p := tea.NewProgram(New(opts), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out),
		// The size when out is not a terminal, where bubbletea would draw
		// on 0×0; a terminal's own size replaces it.
		tea.WithWindowSize(80, 24))
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

// endOfInput is what a terminal sends for ctrl+d, the end of input.
const endOfInput = "\x04"

// endReader ends r the way a person at a terminal would: with ctrl+d,
// which the form reads as a cancel. Being a key, it reaches the form after
// every key before it: bubbletea parses input concurrently with handing
// out messages, so a message sent beside the input could overtake them.
type endReader struct {
	r     io.Reader
	ended bool
}

func (e *endReader) Read(p []byte) (int, error) {
	if e.ended {
		return 0, io.EOF
	}
	n, err := e.r.Read(p)
	if err == io.EOF && n < len(p) {
		e.ended = true
		n += copy(p[n:], endOfInput)
		return n, nil
	}
	return n, err
}
