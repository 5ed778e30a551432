//go:build unix

package workerd

import (
	"net"
	"path/filepath"
	"testing"
)

// TestPeerClosed: an idle connection whose other end closed is seen before
// a request goes out on it (the proxy then takes a new one, whatever the
// method); one still open is not.
func TestPeerClosed(t *testing.T) {
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	c, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	server := <-accepted
	if peerClosed(c) {
		t.Fatal("an open idle connection counts as closed")
	}
	server.Close()
	// The close is in the kernel once Close returns: the peek sees it.
	if !peerClosed(c) {
		t.Fatal("a connection the other end closed counts as open")
	}
}
