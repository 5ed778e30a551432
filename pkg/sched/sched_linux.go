package sched

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Yield marks every thread of this process as batch work (SCHED_BATCH),
// keeping its nice value. Threads the process makes later inherit the
// mark from the thread that makes them. Threads under another policy than
// the normal one (a real-time one someone chose) are left alone.
func Yield() error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list this process's threads: %w", err)
	}
	var errs []error
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if _, err := setPolicy(tid, unix.SCHED_NORMAL, unix.SCHED_BATCH); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Normal runs start on a thread under the normal policy, so that a process
// start makes (a new process inherits the policy of the thread that forks
// it) runs as any other: workerd must not yield to anyone. In a process
// that did not Yield, it just runs start.
func Normal(start func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	if moved, err := setPolicy(tid, unix.SCHED_BATCH, unix.SCHED_NORMAL); !moved || err != nil {
		return start()
	}
	err := start()
	// Back to batch, with any thread the runtime made from this one
	// meanwhile.
	_, _ = setPolicy(tid, unix.SCHED_NORMAL, unix.SCHED_BATCH)
	_ = Yield()
	return err
}

// setPolicy moves thread tid from policy from to policy to, keeping the
// rest of its attributes; a thread under another policy is left as it is
// (moved false).
func setPolicy(tid int, from, to uint32) (moved bool, err error) {
	a, err := unix.SchedGetAttr(tid, 0)
	if err != nil {
		return false, fmt.Errorf("scheduling policy of thread %d: %w", tid, err)
	}
	if a.Policy != from {
		return false, nil
	}
	a.Policy = to
	a.Flags = 0
	if err := unix.SchedSetAttr(tid, a, 0); err != nil {
		return false, fmt.Errorf("set the scheduling policy of thread %d: %w", tid, err)
	}
	return true, nil
}
