//go:build unix

package proc

import (
	"errors"
	"syscall"
)

// alive reports whether a process with pid runs (signal 0 probes it; a
// process of another user answers EPERM, and runs).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
