package clustertest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"testing"
)

// PortPair is a port p free on host ("" for every address) with p+1 free
// too: the two cluster ports of a host, where a new version's instance
// listens beside the one in service.
//
// The pair is below the kernel's ephemeral range, as a host's configured
// cluster port is (the default is 7000). A port the kernel hands out (":0")
// may be taken again by any outgoing connection before the second port
// is bound, a deploy later: it once was, by a connection of the edge's
// own (workerd: "cluster address 0.0.0.0:41266: Address already in use").
func PortPair(t testing.TB, host string) int {
	t.Helper()
	low := ephemeralLow()
	const first = 10000
	if low-2 <= first {
		t.Fatalf("no ports below the ephemeral range (it starts at %d)", low)
	}
	for i := 0; i < 200; i++ {
		p := first + rand.IntN(low-1-first) // p+1 < low
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		l2, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p+1)))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no pair of free ports below the ephemeral range")
	return 0
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default where it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		var low, high int
		if _, err := fmt.Sscan(string(b), &low, &high); err == nil && low > 0 {
			return low
		}
	}
	return 32768
}
