package form

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

type styles struct {
	title    lipgloss.Style
	question lipgloss.Style
	accent   lipgloss.Style
	faint    lipgloss.Style
	err      lipgloss.Style
	selected lipgloss.Style
	answer   lipgloss.Style
}

// newStyles returns plain styles without color, else the colors for a dark
// or a light background (bubbletea downsamples them to the terminal's
// profile).
func newStyles(color, dark bool) styles {
	if !color {
		return styles{}
	}
	pick := lipgloss.LightDark(dark)
	accent := pick(lipgloss.Color("#3B5BDB"), lipgloss.Color("#748FFC"))
	return styles{
		title:    lipgloss.NewStyle().Bold(true),
		question: lipgloss.NewStyle().Bold(true),
		accent:   lipgloss.NewStyle().Foreground(accent),
		faint:    lipgloss.NewStyle().Faint(true),
		err:      lipgloss.NewStyle().Foreground(pick(lipgloss.Color("#C92A2A"), lipgloss.Color("#FF8787"))),
		selected: lipgloss.NewStyle().Foreground(accent).Bold(true),
		answer:   lipgloss.NewStyle().Foreground(accent),
	}
}

// View implements tea.Model: the form, with the terminal's cursor in the
// name field while it is asked.
func (m Model) View() tea.View {
	content, cursorLine := m.render()
	v := tea.NewView(content)
	if c := m.input.Cursor(); c != nil && cursorLine >= 0 {
		c.Y += cursorLine
		v.Cursor = c
	}
	return v
}

// render draws the questions answered so far, the current one, and its
// keys; cursorLine is the line of the name field, or -1. Once done or
// cancelled it shows only the answers, so that what stays on the terminal
// is a record of the choices.
func (m Model) render() (content string, cursorLine int) {
	cursorLine = -1
	var b strings.Builder
	s := m.styles
	b.WriteString(s.title.Render("Create a valet app") + "\n\n")

	m.answered(&b)
	if m.cancelled {
		b.WriteString(s.faint.Render("Cancelled: nothing was written.") + "\n")
		return b.String(), -1
	}
	switch m.step {
	case stepName:
		b.WriteString(s.question.Render("What is the app's name?") + "\n")
		cursorLine = strings.Count(b.String(), "\n")
		b.WriteString(m.input.View() + "\n")
		if m.nameErr != nil {
			b.WriteString(s.err.Render(m.wrap(m.nameErr.Error())) + "\n")
		}
	case stepTemplate:
		b.WriteString(s.question.Render("Which template?") + "\n")
		for i, c := range m.opts.Templates {
			line := fmt.Sprintf("  %-14s %s", c.Name, s.faint.Render(c.Description))
			if i == m.cursor {
				line = s.selected.Render("> "+fmt.Sprintf("%-14s", c.Name)) + " " + s.faint.Render(c.Description)
			}
			b.WriteString(line + "\n")
		}
	case stepInstall:
		m.yesNo(&b, "Install npm dependencies now?")
	case stepGit:
		m.yesNo(&b, "Initialise a git repository?")
	case stepDone:
		return b.String(), -1
	}
	b.WriteString("\n" + m.help.View(m.keys) + "\n")
	return b.String(), cursorLine
}

// answered writes one line per question already answered.
func (m Model) answered(b *strings.Builder) {
	s := m.styles
	line := func(q, a string) {
		fmt.Fprintf(b, "%s %-12s %s\n", s.accent.Render("✓"), q, s.answer.Render(a))
	}
	if m.step > stepName {
		line("Name", m.answers.Name)
	}
	if m.step > stepTemplate {
		line("Template", m.answers.Template)
	}
	if m.step > stepInstall && m.chosen().Install {
		line("npm install", yesNo(m.answers.Install, "yes", "no"))
	}
	if m.step > stepGit {
		line("git init", yesNo(m.answers.Git, "yes", "no"))
	}
	if m.step > stepName {
		b.WriteString("\n")
	}
}

func (m Model) yesNo(b *strings.Builder, question string) {
	s := m.styles
	yes, no := s.faint.Render("  Yes"), s.faint.Render("  No")
	if m.confirm {
		yes = s.selected.Render("> Yes")
	} else {
		no = s.selected.Render("> No")
	}
	b.WriteString(s.question.Render(question) + "\n" + yes + "   " + no + "\n")
}

func yesNo(v bool, yes, no string) string {
	if v {
		return yes
	}
	return no
}

// wrap breaks long messages at the terminal's width.
func (m Model) wrap(s string) string {
	if m.width <= 0 {
		return s
	}
	return lipgloss.NewStyle().Width(m.width).Render(s)
}
