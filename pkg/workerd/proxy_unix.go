//go:build unix

package workerd

import (
	"net"
	"syscall"
)

// peerClosed reports whether the other end of an idle connection has
// closed it (or sent something unasked): a peek that does not wait.
func peerClosed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	_ = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		// A read that succeeds is an end of file or bytes nobody asked
		// for; only "nothing yet" leaves the connection usable.
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = err == nil || (err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR)
		return true
	})
	return closed
}
