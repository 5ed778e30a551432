package proc

import (
	"os"
	"strconv"
	"strings"
)

// startOf is the process's start time in clock ticks since boot
// (/proc/PID/stat, field 22), with the boot's id: a pid given again after
// a reboot does not match either.
func startOf(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false
	}
	fields := strings.Fields(s[i+1:]) // from field 3 on
	if len(fields) < 20 {
		return "", false
	}
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	id := strings.TrimSpace(string(boot))
	if len(id) > 8 {
		id = id[:8]
	}
	return id + ":" + fields[19], true
}
