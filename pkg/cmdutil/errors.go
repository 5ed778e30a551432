// Package cmdutil holds what every command shares: the factory of lazy
// dependencies and the errors that decide valet's exit code.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, as DESIGN.md fixes them.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// UsageError is a mistake in how valet was called or configured: a bad flag,
// a bad argument, or an invalid config. It exits with code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// SilentError ends the command with the given exit code after the command
// has already told the user what went wrong.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// CancelError is returned when the user cancels (Ctrl-C at a prompt).
var CancelError = errors.New("cancelled")

// ExitCoder is implemented by errors that choose their own exit code, such as
// config validation errors (2) from pkg/config.
type ExitCoder interface{ ExitCode() int }

// ExitCode maps an error returned by a command to the process's exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var silent *SilentError
	if errors.As(err, &silent) {
		return silent.Code
	}
	var usage *UsageError
	if errors.As(err, &usage) {
		return ExitUsage
	}
	var coder ExitCoder
	if errors.As(err, &coder) {
		return coder.ExitCode()
	}
	return ExitFailure
}

// ShownError is a failure the command's progress output already showed in
// full (a failed step's line); the error is not printed again, and its exit
// code is Err's.
type ShownError struct{ Err error }

func (e *ShownError) Error() string { return e.Err.Error() }
func (e *ShownError) Unwrap() error { return e.Err }
