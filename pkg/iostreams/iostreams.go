// Package iostreams holds the process's standard streams, whether they are
// terminals, and whether color is allowed. Nothing else in valet touches
// os.Stdout or os.Stderr, so every command can be run against buffers.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/valet-dev/valet/pkg/internal/ci"
)

// IOStreams are the streams a command reads and writes. Data goes to Out,
// progress and status to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	color     bool
	ci        bool
}

// System returns the streams of the running process.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		ci:        ci.Enabled(),
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	s.color = s.stderrTTY && !noColor && os.Getenv("TERM") != "dumb"
	return s
}

// Test returns streams backed by buffers: stdin, stdout and stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides terminal detection of standard input (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides terminal detection of standard output (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides terminal detection of standard error (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// ColorEnabled reports whether output may use color: a terminal, and
// neither NO_COLOR nor TERM=dumb.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// SetColorEnabled overrides color detection (tests).
func (s *IOStreams) SetColorEnabled(v bool) { s.color = v }

// IsCI reports whether valet runs under a CI system.
func (s *IOStreams) IsCI() bool { return s.ci }

// CanPrompt reports whether valet may ask the user questions: both stdin and
// stderr are terminals and this is not CI.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY && !s.ci }

// CanTUI reports whether a full-screen or live view may be drawn on stderr.
func (s *IOStreams) CanTUI() bool { return s.stderrTTY && !s.ci }
