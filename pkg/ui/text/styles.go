package text

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles color the parts of a status line. Built without color, every
// style renders its text unchanged: no escape sequence at all.
type Styles struct {
	Done, Failed, Warning, Skipped, Faint, Bold, URL, Source lipgloss.Style
	Status2xx, Status3xx, Status4xx, Status5xx               lipgloss.Style
	// Accent is the color of the spinner and of progress bars.
	Accent lipgloss.Style
}

// NewStyles returns the styles, colored only when colored is true: the
// decision is iostreams' (TTY, NO_COLOR, TERM=dumb), made once, and nothing
// here asks the terminal anything. The 16 ANSI colors read on any terminal,
// light or dark, so no background needs to be known.
func NewStyles(colored bool) Styles {
	if !colored {
		return Styles{}
	}
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	return Styles{
		Done:      fg(lipgloss.Green),
		Failed:    fg(lipgloss.Red).Bold(true),
		Warning:   fg(lipgloss.Yellow),
		Skipped:   fg(lipgloss.BrightBlack),
		Faint:     lipgloss.NewStyle().Faint(true),
		Bold:      lipgloss.NewStyle().Bold(true),
		URL:       fg(lipgloss.Cyan).Underline(true),
		Source:    fg(lipgloss.Magenta),
		Status2xx: fg(lipgloss.Green),
		Status3xx: fg(lipgloss.Cyan),
		Status4xx: fg(lipgloss.Yellow),
		Status5xx: fg(lipgloss.Red),
		Accent:    fg(lipgloss.Cyan),
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

// Help styles a dashboard's help line: keys bold, the rest faint.
func (s Styles) Help() help.Styles {
	return help.Styles{
		ShortKey: s.Bold, ShortDesc: s.Faint, ShortSeparator: s.Faint,
		FullKey: s.Bold, FullDesc: s.Faint, FullSeparator: s.Faint, Ellipsis: s.Faint,
	}
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
