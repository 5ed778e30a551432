package config

import (
	"fmt"
	"sort"
	"strings"
)

// Severities of a Diagnostic.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Diagnostic is one problem found in a config file, located at the key or
// value that causes it so that editors and terminals can jump there.
type Diagnostic struct {
	File     string
	Line     int // 1-based; 0 when the problem has no place in the file
	Col      int // 1-based, in characters
	Message  string
	Hint     string
	Severity string
}

// String renders the diagnostic as "file:line:col: message", followed by an
// indented hint line when there is one. Warnings say so; errors do not, as
// compilers do.
func (d Diagnostic) String() string {
	var b strings.Builder
	switch {
	case d.File != "" && d.Line > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", d.File, d.Line, d.Col)
	case d.File != "":
		fmt.Fprintf(&b, "%s: ", d.File)
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	if d.Hint != "" {
		b.WriteString("\n    hint: ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// Error is an invalid or missing config: something the user fixes. It holds
// every diagnostic found (errors and the warnings around them), sorted by
// position, and makes valet exit with code 2.
type Error struct {
	Diagnostics []Diagnostic
}

func (e *Error) Error() string {
	var b strings.Builder
	n := 0
	for i, d := range e.Diagnostics {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
		if d.Severity != SeverityWarning {
			n++
		}
	}
	if n > 1 {
		fmt.Fprintf(&b, "\n%d errors in config", n)
	}
	return b.String()
}

// ExitCode makes cmdutil.ExitCode map a config error to exit status 2.
func (e *Error) ExitCode() int { return 2 }

// Errors returns the diagnostics of severity error.
func (e *Error) Errors() []Diagnostic { return filter(e.Diagnostics, SeverityError) }

func filter(ds []Diagnostic, severity string) []Diagnostic {
	var out []Diagnostic
	for _, d := range ds {
		if d.Severity == severity {
			out = append(out, d)
		}
	}
	return out
}

func hasErrors(ds []Diagnostic) bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// sortDiagnostics orders by position and drops exact duplicates, which
// appear when an inherited value is checked once per environment.
func sortDiagnostics(ds []Diagnostic) []Diagnostic {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Message < b.Message
	})
	out := ds[:0]
	for _, d := range ds {
		if len(out) > 0 && d == out[len(out)-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}
