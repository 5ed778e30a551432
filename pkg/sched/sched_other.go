//go:build !linux

package sched

// Yield does nothing: only Linux is told (see the package comment).
func Yield() error { return nil }

// Normal runs start.
func Normal(start func() error) error { return start() }
