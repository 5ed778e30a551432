package steps

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/valet-dev/valet/pkg/ui/text"
)

// maxNameWidth caps the step-name column so a long name cannot push the
// durations off a narrow terminal.
const maxNameWidth = 32

// barWidth is the width of a transfer's progress bar.
const barWidth = 20

// View renders the model inline, below the command line (not full screen).
func (m Model) View() tea.View { return tea.NewView(m.render()) }

// render draws the model: steps, containers, the URL, logs, warnings, and
// the help line (or, once stopped, the summary). Pure: it reads the model only.
func (m Model) render() string {
	var sections []string
	add := func(lines []string) {
		if len(lines) > 0 {
			sections = append(sections, strings.Join(lines, "\n"))
		}
	}
	add(m.viewSteps())
	add(m.viewContainers())
	add(m.viewServing())
	add(m.viewLogs())
	add(m.viewWarnings())
	if m.stopped || m.interrupted {
		add([]string{m.viewSummary()})
	} else {
		add([]string{m.help.View(m.keys)})
	}
	out := strings.Join(sections, "\n\n")
	if m.width > 0 {
		lines := strings.Split(out, "\n")
		for i, l := range lines {
			lines[i] = ansi.Truncate(l, m.width, "…")
		}
		out = strings.Join(lines, "\n")
	}
	return out + "\n"
}

func (m Model) viewSteps() []string {
	width := 0
	for _, s := range m.steps {
		width = max(width, min(len(s.name), maxNameWidth))
	}
	var lines []string
	for _, s := range m.steps {
		name := s.name
		if len(name) > maxNameWidth {
			name = name[:maxNameWidth-1] + "…"
		}
		name = fmt.Sprintf("%-*s", width, name)
		switch s.state {
		case running:
			mark := m.spinner.View()
			if m.stopped || m.interrupted {
				mark = m.st.Faint.Render(m.sym.Started)
			}
			line := mark + " " + name
			if s.bytes > 0 || s.total > 0 {
				line += "  " + m.progress(s)
			}
			lines = append(lines, line)
		case done:
			lines = append(lines, m.st.Done.Render(m.sym.Done)+" "+name+"  "+m.st.Faint.Render(text.Duration(s.dur)))
		case failed:
			lines = append(lines, m.st.Failed.Render(m.sym.Failed)+" "+name+"  "+m.st.Faint.Render(text.Duration(s.dur)))
			for _, l := range strings.Split(strings.TrimRight(s.note, "\n"), "\n") {
				lines = append(lines, "  "+m.st.Failed.Render(l))
			}
		case skipped:
			line := m.st.Skipped.Render(m.sym.Skipped + " " + name)
			if s.note != "" {
				line += "  " + m.st.Faint.Render(s.note)
			}
			lines = append(lines, line)
		}
	}
	return lines
}

func (m Model) progress(s step) string {
	if s.total <= 0 {
		return m.st.Faint.Render(text.Bytes(s.bytes))
	}
	return m.bar(text.Percent(s.bytes, s.total)) + " " + m.st.Faint.Render(text.Progress(s.bytes, s.total))
}

// bar draws pct (0..100) as a bar of barWidth cells.
func (m Model) bar(pct int) string {
	full := (pct*barWidth + 50) / 100
	return m.st.Accent.Render(strings.Repeat("█", full)) + m.st.Faint.Render(strings.Repeat("░", barWidth-full))
}

func (m Model) viewContainers() []string {
	var lines []string
	for _, c := range m.containers {
		mark := m.st.Faint.Render(m.sym.Container)
		switch c.state {
		case "running":
			mark = m.st.Done.Render(m.sym.Container)
		case "crashed":
			mark = m.st.Failed.Render(m.sym.Container)
		}
		line := mark + " " + c.name + "  " + c.state
		if c.note != "" {
			line += "  " + m.st.Faint.Render(c.note)
		}
		lines = append(lines, line)
	}
	return lines
}

func (m Model) viewServing() []string {
	if m.url == "" {
		return nil
	}
	line := m.st.Done.Render(m.sym.Ready) + " " + m.st.URL.Render(m.url)
	var counts []string
	if m.requests > 0 {
		counts = append(counts, plural(m.requests, "request"))
	}
	if m.reloads > 0 {
		counts = append(counts, plural(m.reloads, "reload"))
	}
	if len(counts) > 0 {
		line += "  " + m.st.Faint.Render(strings.Join(counts, ", "))
	}
	return []string{line}
}

func (m Model) viewLogs() []string {
	n := m.logCap
	if m.moreLogs {
		n *= 4
	}
	if len(m.logs) <= n {
		return m.logs
	}
	return m.logs[len(m.logs)-n:]
}

func (m Model) viewWarnings() []string {
	lines := make([]string, 0, len(m.warnings))
	for _, w := range m.warnings {
		lines = append(lines, m.st.Warning.Render(m.sym.Warning+" "+w))
	}
	return lines
}

func (m Model) viewSummary() string {
	var elapsed time.Duration
	if !m.first.IsZero() && !m.stoppedAt.IsZero() {
		elapsed = m.stoppedAt.Sub(m.first)
	}
	nFailed, nDone := 0, 0
	for _, s := range m.steps {
		switch s.state {
		case failed:
			nFailed++
		case done:
			nDone++
		}
	}
	in := ""
	if elapsed > 0 {
		in = " in " + text.Duration(elapsed)
	}
	switch {
	case m.interrupted:
		return m.st.Warning.Render(m.sym.Warning + " stopped")
	case nFailed > 0:
		return m.st.Failed.Render(fmt.Sprintf("%s %s failed%s", m.sym.Failed, plural(nFailed, "step"), in))
	}
	line := m.st.Done.Render(m.sym.Done) + " done" + in
	if nDone > 0 {
		line += "  " + m.st.Faint.Render(plural(nDone, "step"))
	}
	return line
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
