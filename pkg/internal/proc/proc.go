// Package proc names a process so that another process, later, can tell
// whether it still runs: host, pid and what tells it from a later process
// given the same pid (its start time since boot, where the system says).
package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ID is one process of one machine.
type ID struct {
	Host  string
	PID   int
	Start string // "" where the system does not tell (the pid alone counts)
}

// Self is this process.
func Self() ID {
	host, _ := os.Hostname()
	pid := os.Getpid()
	s, _ := startOf(pid)
	return ID{Host: host, PID: pid, Start: s}
}

// String is host/pid/start, the form Parse reads (and a label value holds).
func (id ID) String() string { return fmt.Sprintf("%s/%d/%s", id.Host, id.PID, id.Start) }

// Parse reads what String wrote.
func Parse(s string) (ID, bool) {
	host, rest, ok := strings.Cut(s, "/")
	if !ok || host == "" {
		return ID{}, false
	}
	p, start, ok := strings.Cut(rest, "/")
	pid, err := strconv.Atoi(p)
	if !ok || err != nil || pid <= 0 {
		return ID{}, false
	}
	return ID{Host: host, PID: pid, Start: start}, true
}

// Gone reports whether the process has certainly ended: it ran on this
// machine, and no process runs with its pid, or the one that does started
// at another time (the pid was given again). A process of another machine
// cannot be checked from here: it is not known to be gone.
func (id ID) Gone() bool {
	if host, _ := os.Hostname(); host != id.Host {
		return false
	}
	if !alive(id.PID) {
		return true
	}
	if id.Start == "" {
		return false
	}
	now, ok := startOf(id.PID)
	return ok && now != id.Start
}
