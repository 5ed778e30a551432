package cmdutil

import (
	"errors"
	"fmt"
	"testing"
)

type codeErr struct{}

func (codeErr) Error() string { return "config" }
func (codeErr) ExitCode() int { return 2 }

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitFailure},
		{Usagef("bad %s", "flag"), ExitUsage},
		{fmt.Errorf("wrapped: %w", Usagef("bad")), ExitUsage},
		{&SilentError{Code: 3}, 3},
		{codeErr{}, 2},
		{&ShownError{Err: Usagef("bad")}, ExitUsage},
		{&ShownError{Err: errors.New("boom")}, ExitFailure},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
