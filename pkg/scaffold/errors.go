// Package scaffold creates a new app from one of valet's embedded templates:
// it writes the files, then optionally installs npm dependencies and
// initialises a git repository, reporting each step as events.
package scaffold

import "errors"

// ErrDirNotEmpty is wrapped by the error Create returns when the target
// directory holds files and Force is not set.
var ErrDirNotEmpty = errors.New("directory not empty")

// InputError is a mistake in what was asked for (a bad name, an unknown
// template, a directory in the way). valet exits with code 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ExitCode makes InputError a usage error for cmdutil.ExitCode.
func (e *InputError) ExitCode() int { return 2 }
