package config

import (
	"errors"
	"testing"

	"github.com/valet-dev/valet/pkg/cmdutil"
)

func TestDiagnosticString(t *testing.T) {
	for _, tt := range []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "valet.jsonc", Line: 4, Col: 13, Message: "vars.PORT: bad", Hint: "fix it", Severity: SeverityError},
			"valet.jsonc:4:13: vars.PORT: bad\n    hint: fix it"},
		{Diagnostic{File: "valet.jsonc", Line: 1, Col: 1, Message: "ignored", Severity: SeverityWarning},
			"valet.jsonc:1:1: warning: ignored"},
		{Diagnostic{File: "valet.jsonc", Message: "unreadable", Severity: SeverityError}, "valet.jsonc: unreadable"},
		{Diagnostic{Message: "no config", Hint: "run valet init", Severity: SeverityError}, "no config\n    hint: run valet init"},
	} {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() =\n%s\nwant\n%s", got, tt.want)
		}
	}
}

func TestErrorListsAllSorted(t *testing.T) {
	ds := sortDiagnostics([]Diagnostic{
		{File: "f", Line: 3, Col: 1, Message: "c", Severity: SeverityError},
		{File: "f", Line: 1, Col: 5, Message: "b", Severity: SeverityWarning},
		{File: "f", Line: 1, Col: 2, Message: "a", Severity: SeverityError},
		{File: "f", Line: 3, Col: 1, Message: "c", Severity: SeverityError}, // duplicate
	})
	err := error(&Error{Diagnostics: ds})
	want := "f:1:2: a\nf:1:5: warning: b\nf:3:1: c\n2 errors in config"
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err, want)
	}
	if got := cmdutil.ExitCode(err); got != 2 {
		t.Errorf("exit code = %d, want 2", got)
	}
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Errors()) != 2 {
		t.Errorf("Errors() = %v", ce.Errors())
	}
}
