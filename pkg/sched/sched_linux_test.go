package sched

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// policy is the scheduling policy of thread tid.
func policy(tid int) (uint32, error) {
	a, err := unix.SchedGetAttr(tid, 0)
	if err != nil {
		return 0, err
	}
	return a.Policy, nil
}

// start runs a process that waits, and returns its policy.
func start(t *testing.T) (*exec.Cmd, uint32) {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p, err := policy(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	return cmd, p
}

func threadPolicies(t *testing.T) map[int]uint32 {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]uint32{}
	for _, e := range tasks {
		tid, _ := strconv.Atoi(e.Name())
		if p, err := policy(tid); err == nil {
			out[tid] = p
		}
	}
	return out
}

// The one test of the package: Yield changes the whole process for good.
func TestYieldAndNormal(t *testing.T) {
	// A process that did not yield starts others as it is.
	var p uint32
	if err := Normal(func() error { _, p = start(t); return nil }); err != nil || p != unix.SCHED_NORMAL {
		t.Fatalf("before Yield: child policy %d, %v", p, err)
	}
	for tid, p := range threadPolicies(t) {
		if p != unix.SCHED_NORMAL {
			t.Fatalf("Normal without Yield changed thread %d to policy %d", tid, p)
		}
	}

	// Yield keeps a thread's nice value.
	runtime.LockOSThread()
	tid := unix.Gettid()
	if err := unix.Setpriority(unix.PRIO_PROCESS, tid, 5); err != nil {
		t.Fatal(err)
	}
	if err := Yield(); err != nil {
		t.Fatal(err)
	}
	a, err := unix.SchedGetAttr(tid, 0)
	if err != nil || a.Policy != unix.SCHED_BATCH || a.Nice != 5 {
		t.Fatalf("this thread after Yield: %+v %v; want batch, nice 5", a, err)
	}
	runtime.UnlockOSThread()
	for tid, p := range threadPolicies(t) {
		if p != unix.SCHED_BATCH {
			t.Errorf("thread %d after Yield: policy %d", tid, p)
		}
	}

	// A child inherits batch from the thread that forks it...
	if _, p := start(t); p != unix.SCHED_BATCH {
		t.Fatalf("a child started as is: policy %d, want batch (inherited)", p)
	}
	// ...unless Normal starts it; the process stays batch.
	if err := Normal(func() error { _, p = start(t); return nil }); err != nil || p != unix.SCHED_NORMAL {
		t.Fatalf("a child started by Normal: policy %d, %v; want normal", p, err)
	}
	for tid, p := range threadPolicies(t) {
		if p != unix.SCHED_BATCH {
			t.Errorf("thread %d after Normal: policy %d, want batch", tid, p)
		}
	}
}
