package proc

import (
	"os"
	"os/exec"
	"testing"
)

func TestGone(t *testing.T) {
	self := Self()
	if self.Start == "" {
		t.Fatal("no start time for this process")
	}
	got, ok := Parse(self.String())
	if !ok || got != self {
		t.Fatalf("Parse(%q) = %+v %v", self.String(), got, ok)
	}
	if self.Gone() {
		t.Fatal("this process is gone")
	}
	// A process that ended.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	ended := ID{Host: self.Host, PID: cmd.Process.Pid, Start: "x:1"}
	if !ended.Gone() {
		t.Errorf("an ended process (pid %d) is not gone", ended.PID)
	}
	// This pid given to another process (another start time).
	if reused := (ID{Host: self.Host, PID: self.PID, Start: self.Start + "0"}); !reused.Gone() {
		t.Error("a pid given again is taken for the process that had it")
	}
	// Another machine's process cannot be checked: never gone.
	if other := (ID{Host: self.Host + "-elsewhere", PID: cmd.Process.Pid}); other.Gone() {
		t.Error("another machine's process taken for gone")
	}
	for _, bad := range []string{"", "host", "host/x/1", "/1/2", "host/0/1"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
