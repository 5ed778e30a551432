//go:build unix

// Package flock takes exclusive advisory locks on files, which the kernel
// drops when the process dies, so a kill -9 never leaves one held.
package flock

import (
	"os"
	"syscall"
)

// Lock takes an exclusive lock on path (created when missing), waiting for
// its holder; unlock releases it.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
