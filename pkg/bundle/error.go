package bundle

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/evanw/esbuild/pkg/api"
)

// Message is one problem found while bundling, located in a source file.
type Message struct {
	File     string // relative to the project root when inside it
	Line     int    // 1-based; 0 when the message has no location
	Column   int    // 1-based, in characters
	Text     string
	LineText string // the offending source line, for the code frame
	Length   int    // characters underlined by the caret, at least 1
	Notes    []string
}

// String renders the message as `file:line:col: error: text` followed by a
// code frame, the format editors and terminals turn into links.
func (m Message) String() string {
	var b strings.Builder
	switch {
	case m.File != "" && m.Line > 0:
		fmt.Fprintf(&b, "%s:%d:%d: error: %s", m.File, m.Line, m.Column, m.Text)
	case m.File != "":
		fmt.Fprintf(&b, "%s: error: %s", m.File, m.Text)
	default:
		fmt.Fprintf(&b, "error: %s", m.Text)
	}
	if m.Line > 0 && m.LineText != "" {
		gutter := fmt.Sprintf("%d", m.Line)
		pad := strings.Repeat(" ", len(gutter))
		line := strings.ReplaceAll(m.LineText, "\t", " ")
		fmt.Fprintf(&b, "\n  %s | %s\n  %s | %s%s", gutter, line, pad,
			strings.Repeat(" ", max(m.Column-1, 0)), strings.Repeat("^", max(m.Length, 1)))
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "\n  note: %s", n)
	}
	return b.String()
}

// Warning renders the message as a warning: `file:line:col: text`, or the
// text alone when it has no location (module rules).
func (m Message) Warning() string {
	switch {
	case m.File != "" && m.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", m.File, m.Line, m.Column, m.Text)
	case m.File != "":
		return m.File + ": " + m.Text
	}
	return m.Text
}

// Error is a failed build: every message esbuild (or valet's plugins)
// reported, so that the user fixes them all in one go.
type Error struct {
	Kind     string // "worker" or "frontend"
	Messages []Message
}

func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Messages)+1)
	n := len(e.Messages)
	noun := "errors"
	if n == 1 {
		noun = "error"
	}
	parts = append(parts, fmt.Sprintf("build %s: %d %s", e.Kind, n, noun))
	for _, m := range e.Messages {
		parts = append(parts, m.String())
	}
	return strings.Join(parts, "\n")
}

// newError converts esbuild messages; nil when there are none.
func newError(kind string, msgs []api.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	e := &Error{Kind: kind}
	for _, m := range msgs {
		e.Messages = append(e.Messages, convertMessage(m))
	}
	return e
}

func convertMessages(msgs []api.Message) []Message {
	var out []Message
	for _, m := range msgs {
		out = append(out, convertMessage(m))
	}
	return out
}

func convertMessage(m api.Message) Message {
	out := Message{Text: m.Text}
	if m.PluginName != "" && !strings.HasPrefix(m.PluginName, "valet") {
		out.Text = fmt.Sprintf("[plugin %s] %s", m.PluginName, m.Text)
	}
	if loc := m.Location; loc != nil {
		out.File = displayPath(loc.File, loc.Namespace)
		out.Line = loc.Line
		out.LineText = loc.LineText
		// esbuild counts columns in bytes from 0; editors count characters from 1.
		col := min(max(loc.Column, 0), len(loc.LineText))
		out.Column = utf8.RuneCountInString(loc.LineText[:col]) + 1
		end := min(col+loc.Length, len(loc.LineText))
		out.Length = utf8.RuneCountInString(loc.LineText[col:end])
		if loc.Suggestion != "" {
			out.Notes = append(out.Notes, fmt.Sprintf("did you mean %q?", loc.Suggestion))
		}
	}
	for _, n := range m.Notes {
		text := n.Text
		if pkg, ok := unresolvedPackage(m.Text); ok && strings.HasPrefix(text, "You can mark the path") {
			// valet has no "external" option to offer: the fix is installing it.
			text = fmt.Sprintf("is %q installed? run npm install (or npm install %s if package.json lacks it)", pkg, pkg)
		}
		if n.Location != nil && n.Location.File != "" {
			text = fmt.Sprintf("%s:%d:%d: %s", displayPath(n.Location.File, n.Location.Namespace),
				n.Location.Line, n.Location.Column+1, n.Text)
		}
		out.Notes = append(out.Notes, text)
	}
	return out
}

// displayPath drops the namespaces of valet's virtual modules, whose paths
// are already meaningful ("index.html", "node:fs").
func displayPath(file, namespace string) string {
	if namespace == "" || namespace == "file" {
		return file
	}
	if i := strings.Index(file, ":"); i >= 0 && strings.HasPrefix(file, namespace+":") {
		return file[i+1:]
	}
	return file
}

// unresolvedPackage is the npm package of esbuild's `Could not resolve "x"`
// for a bare specifier ("react/jsx-runtime" → "react", "@a/b/c" → "@a/b").
func unresolvedPackage(text string) (string, bool) {
	spec, ok := strings.CutPrefix(text, `Could not resolve "`)
	if !ok {
		return "", false
	}
	spec, _, _ = strings.Cut(spec, `"`)
	if spec == "" || strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") || strings.Contains(spec, ":") {
		return "", false
	}
	parts := strings.SplitN(spec, "/", 3)
	if strings.HasPrefix(spec, "@") && len(parts) >= 2 {
		return parts[0] + "/" + parts[1], true
	}
	return parts[0], true
}
