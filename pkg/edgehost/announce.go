package edgehost

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"net"
	"os"
	"strings"
)

// announce makes the host learn this container's link-layer address at
// once, by sending one datagram to the default gateway (the host's end of
// the bridge): to send it, the container's kernel asks for the gateway's
// address, and the host, answering, learns the container's.
//
// Why: when the edge is replaced, the engine publishes the port (dockerd's
// userland proxy listens, or its NAT rule applies) before the new
// container answers on the bridge. A client arriving then has its
// connection's first packet queued on the host behind an address lookup
// that got no answer, and the host asks again only a second later: the
// client waits a full second although the edge listens long before.
// Hearing from the container releases the queued packets as soon as the
// edge listens. Outside a container, or without a default route, it does
// nothing.
func announce() {
	gw := defaultGateway("/proc/net/route")
	if gw == nil {
		return
	}
	c, err := net.Dial("udp4", net.JoinHostPort(gw.String(), "9")) // discard
	if err != nil {
		return
	}
	defer c.Close()
	_, _ = c.Write([]byte{0})
}

// defaultGateway reads the IPv4 default route's gateway from a
// /proc/net/route table (little-endian hex addresses); nil when none.
func defaultGateway(path string) net.IP {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 3 || fs[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(fs[2])
		if err != nil || len(b) != 4 {
			continue
		}
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, binary.LittleEndian.Uint32(b))
		if !ip.IsUnspecified() {
			return ip
		}
	}
	return nil
}
