package clustertest

import (
	"net"
	"strconv"
	"testing"
)

// PortPair is a port p free on host ("" for every address) with p+1 free
// too: the two cluster ports of a host, where a new version's instance
// listens beside the one in service.
func PortPair(t testing.TB, host string) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p+1)))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no pair of free ports")
	return 0
}
