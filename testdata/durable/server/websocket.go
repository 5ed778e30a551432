package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
)

// echo upgrades the request (RFC 6455, written out: no modules here) and
// echoes each message back with "echo:" in front; "close" makes the
// container close with 4003.
func echo(w http.ResponseWriter, r *http.Request) {
	h := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		base64.StdEncoding.EncodeToString(h[:]))
	writeFrame(rw.Writer, 1, []byte("hello from container "+r.URL.Path))
	for {
		op, msg, err := readFrame(rw.Reader)
		if err != nil {
			return
		}
		switch {
		case op == 8: // close: answer with the same payload
			writeFrame(rw.Writer, 8, msg)
			return
		case op == 9: // ping
			writeFrame(rw.Writer, 10, msg)
		case string(msg) == "close":
			writeFrame(rw.Writer, 8, append([]byte{0x0f, 0xa3}, "container closed"...))
		case op == 1 || op == 2:
			writeFrame(rw.Writer, op, append([]byte("echo:"), msg...))
		}
	}
}

// readFrame reads one whole (unfragmented) masked client frame.
func readFrame(r *bufio.Reader) (byte, []byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(hdr[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	if hdr[1]&0x80 != 0 {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		return 0, nil, err
	}
	for i := range msg {
		msg[i] ^= mask[i%4]
	}
	return hdr[0] & 0x0f, msg, nil
}

func writeFrame(w *bufio.Writer, op byte, msg []byte) {
	w.WriteByte(0x80 | op)
	switch n := len(msg); {
	case n < 126:
		w.WriteByte(byte(n))
	case n < 1<<16:
		w.WriteByte(126)
		binary.Write(w, binary.BigEndian, uint16(n))
	default:
		w.WriteByte(127)
		binary.Write(w, binary.BigEndian, uint64(n))
	}
	w.Write(msg)
	w.Flush()
}
