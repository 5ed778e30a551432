package dev

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// Rows of the panes when the terminal's height is unknown.
const (
	defaultRequestRows = 10
	defaultLogRows     = 4
	maxErrorRows       = 8
)

// View shows the dashboard full screen; the terminal's own screen comes
// back when it ends.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	return v
}

// render draws the dashboard to fit width × height: the fixed sections
// first, then the request log and the log pane share what is left.
func (m Model) render() string {
	if m.stopped {
		return ""
	}
	top := []string{m.viewHeader()}
	top = append(top, m.viewBuild()...)
	if b := m.viewBindings(); len(b) > 0 {
		top = append(top, "")
		top = append(top, b...)
	}
	var bottom []string
	if len(m.notes) > 0 {
		bottom = append(bottom, m.viewNote(m.notes[len(m.notes)-1]))
	}
	if m.err != "" {
		bottom = append(bottom, m.st.Failed.Render(m.sym.Failed+" "+m.err))
	}
	if m.stopping {
		bottom = append(bottom, m.st.Warning.Render("stopping: removing containers… (press x again to leave now)"))
	} else {
		bottom = append(bottom, m.help.View(m.keys))
	}

	reqRows, logRows := defaultRequestRows, defaultLogRows
	if m.showLogs {
		reqRows, logRows = defaultLogRows, defaultRequestRows
	}
	if m.height > 0 {
		// Two headings and two blank lines around the panes.
		free := max(m.height-len(top)-len(bottom)-4, 2)
		logRows = free / 3
		if m.showLogs {
			logRows = free * 2 / 3
		}
		reqRows = free - logRows
	}
	lines := top
	lines = append(lines, "", m.st.Bold.Render("Requests")+m.st.Faint.Render(fmt.Sprintf("  %d", len(m.requests))))
	lines = append(lines, pad(m.viewRequests(reqRows-1), reqRows-1)...)
	lines = append(lines, m.st.Bold.Render("Logs"))
	lines = append(lines, pad(m.viewLogs(logRows-1), logRows-1)...)
	lines = append(lines, bottom...)
	if m.width > 0 {
		for i, l := range lines {
			lines[i] = ansi.Truncate(l, m.width, "…")
		}
	}
	if m.height > 0 && len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

func (m Model) viewHeader() string {
	line := m.st.Bold.Render("valet dev")
	if m.url != "" {
		line += "  " + m.st.Done.Render(m.sym.Ready) + " " + m.st.URL.Render(m.url)
	} else {
		line += "  " + m.st.Faint.Render("starting…")
	}
	var counts []string
	counts = append(counts, plural(m.total, "request"))
	if m.reloads > 0 {
		r := plural(m.reloads, "reload")
		if m.lastLoad.Duration > 0 {
			r += " (last " + text.Duration(m.lastLoad.Duration) + ")"
		}
		counts = append(counts, r)
	}
	return line + "  " + m.st.Faint.Render(strings.Join(counts, " · "))
}

// viewBuild is one line of steps, then the errors of the failed ones.
func (m Model) viewBuild() []string {
	if len(m.builds) == 0 {
		return nil
	}
	parts := make([]string, 0, len(m.builds))
	var errs []string
	for _, b := range m.builds {
		switch b.state {
		case "running":
			parts = append(parts, m.st.Faint.Render(m.sym.Started+" "+b.step+"…"))
		case "ok":
			parts = append(parts, m.st.Done.Render(m.sym.Done)+" "+b.step+" "+m.st.Faint.Render(text.Duration(b.dur)))
		case "skipped":
			parts = append(parts, m.st.Skipped.Render(m.sym.Skipped+" "+b.step))
		case "failed":
			parts = append(parts, m.st.Failed.Render(m.sym.Failed+" "+b.step))
			for _, l := range strings.Split(strings.TrimRight(b.err, "\n"), "\n") {
				errs = append(errs, "  "+m.st.Failed.Render(l))
			}
		}
	}
	if len(errs) > maxErrorRows {
		errs = append(errs[:maxErrorRows-1], m.st.Faint.Render(fmt.Sprintf("  … %d more lines", len(errs)-maxErrorRows+1)))
	}
	return append([]string{m.st.Bold.Render("Build") + "  " + strings.Join(parts, "  ")}, errs...)
}

var stateOrder = []string{"starting", "running", "sleeping", "stopped", "crashed"}

func (m Model) viewBindings() []string {
	if len(m.opts.Bindings) == 0 && len(m.classes) == 0 {
		return nil
	}
	lines := []string{m.st.Bold.Render("Bindings")}
	nameW, kindW, classW := 0, 0, 0
	for _, b := range m.opts.Bindings {
		nameW, kindW, classW = max(nameW, len(b.Name)), max(kindW, len(b.Kind)), max(classW, len(b.Class))
	}
	shown := map[string]bool{}
	for _, b := range m.opts.Bindings {
		line := fmt.Sprintf("  %-*s  %s", nameW, b.Name, m.st.Faint.Render(fmt.Sprintf("%-*s", kindW, b.Kind)))
		key := b.Key
		if key == "" {
			key = b.Name
		}
		if st := m.state[key]; st != "" {
			line += "  " + st
		}
		if b.Class != "" {
			line += fmt.Sprintf("  %-*s", classW, b.Class)
			if b.Container != "" {
				line += "  " + m.st.Source.Render(m.sym.Container+" "+b.Container)
			}
			if c := m.classes[b.Class]; c != nil && !shown[b.Class] {
				line += "  " + m.viewClass(c)
				shown[b.Class] = true
			}
		}
		lines = append(lines, strings.TrimRight(line, " "))
	}
	// Classes reached without a binding of their own (another worker's).
	var rest []string
	for name := range m.classes {
		if !shown[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		lines = append(lines, "  "+name+"  "+m.viewClass(m.classes[name]))
	}
	return lines
}

// viewClass counts the instances by state: "1 running · 2 sleeping".
func (m Model) viewClass(c *class) string {
	counts := map[string]int{}
	for _, id := range c.order {
		counts[c.instances[id].state]++
	}
	var parts []string
	for _, s := range stateOrder {
		if n := counts[s]; n > 0 {
			p := fmt.Sprintf("%d %s", n, s)
			switch s {
			case "running":
				p = m.st.Done.Render(p)
			case "crashed":
				p = m.st.Failed.Render(p)
			case "starting":
				p = m.st.Warning.Render(p)
			}
			parts = append(parts, p)
		}
	}
	out := strings.Join(parts, " · ")
	if c.lastCold > 0 {
		out += m.st.Faint.Render("  cold start " + text.Duration(c.lastCold))
	}
	return out
}

// viewRequests is the newest n requests: time, method, path, status,
// duration and where it went.
func (m Model) viewRequests(n int) []string {
	reqs := tail(m.requests, n)
	if len(reqs) == 0 {
		return []string{m.st.Faint.Render("  no requests yet")}
	}
	lines := make([]string, 0, len(reqs))
	for _, e := range reqs {
		route := e.Route
		if route == "" {
			route = "-"
		}
		line := fmt.Sprintf("  %s  %-6s %s %s %s %s %s",
			m.st.Faint.Render(e.Time.Format("15:04:05")), e.Method,
			m.st.Status(e.Status).Render(fmt.Sprintf("%3d", e.Status)),
			m.st.Faint.Render(fmt.Sprintf("%6s", text.Duration(e.Duration))),
			m.st.Faint.Render(m.sym.Arrow), fmt.Sprintf("%-14s", route), e.Path)
		if e.Error != "" {
			line += "  " + m.st.Failed.Render(e.Error)
		}
		lines = append(lines, line)
	}
	return lines
}

func (m Model) viewLogs(n int) []string {
	logs := tail(m.logs, n)
	if len(logs) == 0 {
		return []string{m.st.Faint.Render("  no logs yet")}
	}
	lines := make([]string, 0, len(logs))
	for _, e := range logs {
		lines = append(lines, "  "+m.viewLog(e))
	}
	return lines
}

// viewLog is one row of the log pane: the level in place of the pipe, and
// a stack as its first line and where it was thrown.
func (m Model) viewLog(e events.Event) string {
	msg, rest, _ := strings.Cut(e.Message, "\n")
	if at := firstFrame(rest); at != "" {
		msg += "  " + m.st.Faint.Render("at "+at)
	}
	if e.Source == "" {
		return msg
	}
	return m.st.Source.Render(e.Source) + " " + m.st.LogMark(m.sym, e.Level) + " " + msg
}

// firstFrame is the place of a stack's first frame ("src/index.ts:3:9").
func firstFrame(stack string) string {
	for _, line := range strings.Split(stack, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "at ") {
			continue
		}
		line = strings.TrimPrefix(line, "at ")
		if i := strings.LastIndex(line, " ("); i >= 0 && strings.HasSuffix(line, ")") {
			return line[i+2 : len(line)-1]
		}
		return line
	}
	return ""
}

func (m Model) viewNote(e events.Event) string {
	if e.Kind == events.Warning {
		return m.st.Warning.Render(m.sym.Warning + " " + e.Message)
	}
	return m.st.Faint.Render(m.sym.Info+" ") + e.Message
}

func tail(s []events.Event, n int) []events.Event {
	if n <= 0 {
		return nil
	}
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// pad fills a pane to n lines so the sections below it stay in place.
func pad(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Summary is the line left on the terminal after the dashboard closes.
func (m Model) Summary() string {
	line := "valet dev stopped"
	if m.url != "" {
		line += " (" + m.url + ")"
	}
	return line + ": " + plural(m.total, "request") + ", " + plural(m.reloads, "reload")
}
