package enginetest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
)

// allowBridged lets frames between containers on one bridge through the
// host's iptables FORWARD chain, for a private engine started with
// --iptables=false, and returns how to take the rule out again.
//
// Why: where br_netfilter is loaded (bridge-nf-call-iptables=1), frames
// bridged between two containers of a network cross the FORWARD chain, as
// routed packets do. A system dockerd sets that chain's policy to DROP,
// which stays after it stops; with iptables on, dockerd accepts each of its
// bridges' traffic by a rule of its own ("-i br-X -o br-X -j ACCEPT"), but a
// test engine runs without iptables (it must not touch the host's NAT), so
// on such a machine a deployed edge could not reach its Durable Objects'
// containers. The rule accepts bridged frames only (-m physdev
// --physdev-is-bridged): routed traffic keeps the host's policy. It is
// appended, so the host's own rules (dockerd's isolation, DOCKER-USER) come
// first; it is tagged with the engine's directory and removed at its stop.
// Without iptables (or the physdev match) it does nothing: on such a host
// nothing filters bridged frames by iptables.
func allowBridged(tag string) (undo func()) {
	rule := []string{"FORWARD", "-m", "physdev", "--physdev-is-bridged", "-m", "comment", "--comment", "valet-engine " + tag, "-j", "ACCEPT"}
	var added []string
	for _, bin := range forwardTables() {
		if exec.Command(bin, append([]string{"-w", "-A"}, rule...)...).Run() == nil {
			added = append(added, bin)
		}
	}
	return func() {
		for _, bin := range added {
			_ = exec.Command(bin, append([]string{"-w", "-D"}, rule...)...).Run()
		}
	}
}

// forwardTables are the iptables commands whose FORWARD chain filters this
// host's traffic: the one `iptables` is (what dockerd uses), and the other
// of nft and legacy when its FORWARD policy is DROP (both filter a packet).
func forwardTables() []string {
	def, err := exec.LookPath("iptables")
	if err != nil {
		return nil
	}
	out := []string{def}
	version, _ := exec.Command(def, "--version").Output() // "iptables v1.8.9 (nf_tables)" or "(legacy)"
	for other, marker := range map[string]string{"iptables-nft": "(nf_tables)", "iptables-legacy": "(legacy)"} {
		p, err := exec.LookPath(other)
		if err != nil || strings.Contains(string(version), marker) {
			continue // not installed, or the one iptables already is
		}
		if other == "iptables-legacy" && !legacyFilter() {
			continue // listing legacy tables would create them
		}
		if rules, err := exec.Command(p, "-w", "-S", "FORWARD").Output(); err == nil &&
			slices.Contains(strings.Split(string(rules), "\n"), "-P FORWARD DROP") {
			out = append(out, p)
		}
	}
	return out
}

// legacyFilter reports whether legacy iptables has a filter table here.
func legacyFilter() bool {
	b, err := os.ReadFile("/proc/net/ip_tables_names")
	return err == nil && slices.Contains(strings.Split(string(b), "\n"), "filter")
}
