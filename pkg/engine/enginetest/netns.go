package enginetest

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// envNetns, in a child process InNetns started, holds the FORWARD policy to
// set in its network namespace; envNetnsFlags the private engine's extra
// dockerd flags, one per line.
const (
	envNetns      = "VALET_ENGINETEST_NETNS"
	envNetnsFlags = "VALET_ENGINETEST_NETNS_FLAGS"
)

// InNetns runs the calling test again in a child process of its own, in a
// fresh network namespace (unshare --net) whose iptables FORWARD policy is
// policy ("DROP", "ACCEPT"), with a private dockerd started there with
// DaemonFlags and extra (e.g. "--iptables=true", as a system dockerd runs).
// So a test sees the host firewall it names, without touching the
// machine's, which other tests share.
//
// In the parent it waits for the child, reports its output, fails when the
// child did not pass, and returns false: the caller returns. In the child
// it returns true, DOCKER_HOST naming the private engine: the caller goes
// on with the test. It needs root (and util-linux's unshare); without, it
// skips, or fails under CI.
//
//	func TestX(t *testing.T) {
//		if !enginetest.InNetns(t, "DROP") {
//			return
//		}
//		e := enginetest.Connect(t) // the namespace's engine
//		...
func InNetns(t *testing.T, policy string, extra ...string) bool {
	t.Helper()
	if os.Getenv(envNetns) != "" {
		netnsChild(t)
		return true
	}
	testenv.Root(t, "a network namespace with its own firewall")
	unshare := testenv.LookPath(t, "unshare")
	testenv.LookPath(t, "iptables")
	var run []string
	for _, part := range strings.Split(t.Name(), "/") {
		run = append(run, "^"+regexp.QuoteMeta(part)+"$")
	}
	timeout := 10 * time.Minute
	if d, ok := t.Deadline(); ok {
		timeout = time.Until(d) - 10*time.Second
	}
	cmd := exec.Command(unshare, "--net", "--", os.Args[0], "-test.run="+strings.Join(run, "/"), "-test.v", "-test.count=1",
		"-test.timeout="+timeout.String())
	cmd.Env = append(os.Environ(), envNetns+"="+policy, envNetnsFlags+"="+strings.Join(extra, "\n"))
	out, err := cmd.CombinedOutput()
	t.Logf("in a network namespace with FORWARD policy %s (dockerd %s):\n%s", policy, strings.Join(append(DaemonFlags, extra...), " "), out)
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the test failed (or did not run) in the network namespace: %v", err)
	}
	return false
}

// netnsChild readies the namespace a child of InNetns runs in: loopback
// up, the FORWARD policy set, a private engine started in it.
func netnsChild(t *testing.T) {
	t.Helper()
	policy := os.Getenv(envNetns)
	for _, args := range [][]string{{"ip", "link", "set", "lo", "up"}, {"iptables", "-w", "-P", "FORWARD", policy}} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	var extra []string
	if f := os.Getenv(envNetnsFlags); f != "" {
		extra = strings.Split(f, "\n")
	}
	d, err := startDaemon(60*time.Second, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.stop)
	t.Setenv("DOCKER_HOST", d.host)
	rules, _ := exec.Command("iptables", "-w", "-S", "FORWARD").Output()
	fmt.Fprintf(os.Stderr, "netns: engine %s; iptables FORWARD:\n%s", d.host, rules)
}
