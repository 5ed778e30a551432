package text

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles color the parts of a status line. Built without color, every
// style renders its text unchanged: no escape sequence at all.
type Styles struct {
	Done, Failed, Warning, Skipped, Faint, Bold, URL, Source Style
	Status2xx, Status3xx, Status4xx, Status5xx               Style
	// Accent is the color of the spinner and of progress bars.
	Accent Style
}

// Style is a lipgloss style that, when off, returns its text as it is:
// valet dev prints a line per request, and even an empty lipgloss style
// measures and rebuilds the text it renders.
type Style struct {
	lipgloss.Style
	on bool
}

func style(s lipgloss.Style) Style { return Style{Style: s, on: true} }

// Render styles strs joined by spaces, as lipgloss does.
func (s Style) Render(strs ...string) string {
	if !s.on {
		if len(strs) == 1 {
			return strs[0]
		}
		return strings.Join(strs, " ")
	}
	return s.Style.Render(strs...)
}

// NewStyles returns the styles, colored only when colored is true: the
// decision is iostreams' (TTY, NO_COLOR, TERM=dumb), made once, and nothing
// here asks the terminal anything. The 16 ANSI colors read on any terminal,
// light or dark, so no background needs to be known.
func NewStyles(colored bool) Styles {
	if !colored {
		return Styles{}
	}
	fg := func(c color.Color) Style { return style(lipgloss.NewStyle().Foreground(c)) }
	return Styles{
		Done:      fg(lipgloss.Green),
		Failed:    style(lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true)),
		Warning:   fg(lipgloss.Yellow),
		Skipped:   fg(lipgloss.BrightBlack),
		Faint:     style(lipgloss.NewStyle().Faint(true)),
		Bold:      style(lipgloss.NewStyle().Bold(true)),
		URL:       style(lipgloss.NewStyle().Foreground(lipgloss.Cyan).Underline(true)),
		Source:    fg(lipgloss.Magenta),
		Status2xx: fg(lipgloss.Green),
		Status3xx: fg(lipgloss.Cyan),
		Status4xx: fg(lipgloss.Yellow),
		Status5xx: fg(lipgloss.Red),
		Accent:    fg(lipgloss.Cyan),
	}
}

// Status picks the style for an HTTP status code.
func (s Styles) Status(code int) Style {
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
		ShortKey: s.Bold.Style, ShortDesc: s.Faint.Style, ShortSeparator: s.Faint.Style,
		FullKey: s.Bold.Style, FullDesc: s.Faint.Style, FullSeparator: s.Faint.Style, Ellipsis: s.Faint.Style,
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
