package text

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles color the parts of a status line. With a renderer whose profile is
// termenv.Ascii every style renders its text unchanged.
type Styles struct {
	Done, Failed, Warning, Skipped, Faint, Bold, URL, Source lipgloss.Style
	Status2xx, Status3xx, Status4xx, Status5xx               lipgloss.Style
}

// NewRenderer returns a lipgloss renderer for w that colors only when color
// is true: the decision is iostreams' (TTY, NO_COLOR, TERM=dumb), not
// lipgloss's own detection, and the 16 ANSI colors read on any terminal.
func NewRenderer(w io.Writer, color bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	// Fixed, so lipgloss never queries the terminal for its background.
	r.SetHasDarkBackground(true)
	if color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}

// NewStyles builds the styles on r.
func NewStyles(r *lipgloss.Renderer) Styles {
	fg := func(c string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(c)) }
	return Styles{
		Done:      fg("2"),
		Failed:    fg("1").Bold(true),
		Warning:   fg("3"),
		Skipped:   fg("8"),
		Faint:     r.NewStyle().Faint(true),
		Bold:      r.NewStyle().Bold(true),
		URL:       fg("6").Underline(true),
		Source:    fg("5"),
		Status2xx: fg("2"),
		Status3xx: fg("6"),
		Status4xx: fg("3"),
		Status5xx: fg("1"),
	}
}

// Status picks the style for an HTTP status code.
func (s Styles) Status(code int) lipgloss.Style {
	switch {
	case code >= 500:
		return s.Status5xx
	case code >= 400:
		return s.Status4xx
	case code >= 300:
		return s.Status3xx
	}
	return s.Status2xx
}

// LogMark is what separates a log line's source from its message: the pipe,
// or for a warning or an error the level's symbol in its color.
func (s Styles) LogMark(sym Symbols, level string) string {
	switch level {
	case "error":
		return s.Failed.Render(sym.Failed)
	case "warn":
		return s.Warning.Render(sym.Warning)
	}
	return s.Faint.Render(sym.Pipe)
}
