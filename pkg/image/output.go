package image

import (
	"fmt"
	"strings"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// tailLines is how many lines of a failing step's output a BuildError keeps.
const tailLines = 20

// buildOutput turns the engine's build stream into Log events and remembers
// the current step and its last lines for a BuildError.
type buildOutput struct {
	em      *events.Emitter
	source  string
	partial string   // a line not yet ended by "\n"
	step    string   // "Step 3/5 : RUN make"
	tail    []string // the current step's last lines
}

func newBuildOutput(em *events.Emitter, source string) *buildOutput {
	return &buildOutput{em: em, source: source}
}

func (o *buildOutput) handle(m engine.StreamMessage) error {
	if m.Stream != "" {
		o.write(m.Stream)
	}
	if m.Status != "" { // pulls of base images report status, not stream
		o.line(strings.TrimSpace(m.ID + " " + m.Status))
	}
	if err := m.Err(); err != nil {
		o.flush()
		return &BuildError{Step: o.step, Output: o.tail, Message: strings.TrimSpace(err.Error())}
	}
	return nil
}

func (o *buildOutput) write(s string) {
	s = o.partial + s
	lines := strings.Split(s, "\n")
	o.partial = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		o.line(l)
	}
}

func (o *buildOutput) flush() {
	if o.partial != "" {
		o.line(o.partial)
		o.partial = ""
	}
}

func (o *buildOutput) line(l string) {
	l = stripANSI(strings.TrimRight(l, "\r"))
	if strings.TrimSpace(l) == "" {
		return
	}
	o.em.Emit(events.Event{Kind: events.Log, Source: o.source, Message: l})
	if strings.HasPrefix(l, "Step ") && strings.Contains(l, " : ") {
		o.step, o.tail = l, nil
		return
	}
	// Bookkeeping lines say nothing about why a step failed.
	if strings.HasPrefix(l, " ---> ") || strings.HasPrefix(l, "Removing intermediate container") {
		return
	}
	o.tail = append(o.tail, l)
	if len(o.tail) > tailLines {
		o.tail = o.tail[len(o.tail)-tailLines:]
	}
}

// stripANSI removes the color codes the classic builder wraps a RUN step's
// stderr in (ESC[91m … ESC[0m): events and errors carry plain text.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] == ';' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j < len(s) && s[j] >= '@' && s[j] <= '~' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// BuildError is a build that failed at a step of the Dockerfile.
type BuildError struct {
	Image      string   // the reference being built
	Dockerfile string   // the Dockerfile's path
	Step       string   // "Step 3/5 : RUN make", "" when it failed before any step
	Output     []string // the step's last output lines
	Message    string   // the engine's error
}

func (e *BuildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "build image %s failed", e.Image)
	if e.Dockerfile != "" {
		fmt.Fprintf(&b, " (%s)", e.Dockerfile)
	}
	if e.Step != "" {
		fmt.Fprintf(&b, " at %s", e.Step)
	}
	b.WriteString(":")
	for _, l := range e.Output {
		b.WriteString("\n    " + l)
	}
	fmt.Fprintf(&b, "\n  error: %s", e.Message)
	return b.String()
}

// ExitCode is 1: the build failed, valet was used correctly.
func (e *BuildError) ExitCode() int { return 1 }
