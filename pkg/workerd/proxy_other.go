//go:build !unix

package workerd

import "net"

// peerClosed cannot peek here: a closed kept-alive connection shows when
// the request is sent on it.
func peerClosed(net.Conn) bool { return false }
