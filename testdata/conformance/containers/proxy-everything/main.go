// Command proxy-everything stands in for cloudflare/proxy-everything, the
// networking sidecar workerd's own Docker container client requires (and
// that no machine here can pull). The conformance tests run apps on that
// client, unchanged, as the reference valet's containers are compared with.
// It does what the client asks of the sidecar (container-client.c++), and
// nothing of the egress interception it exists for:
//
//	PUT /egress    the egress configuration: accepted
//	GET /ca        the CA certificate it would intercept TLS with: a dummy
//	CONNECT        with X-Dst-Addr 127.0.0.1:<port>: a tunnel to the app
//	               container's port (it shares this container's network);
//	               400 when nothing listens there, which the client reports
//	               as "Container is not listening to port <port>"
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	fmt.Println("proxy-everything stand-in", os.Args[1:])
	err := http.ListenAndServe(":39001", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodConnect:
			tunnel(w, r)
		case r.URL.Path == "/ca":
			io.WriteString(w, "-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n")
		default:
			_, _ = io.Copy(io.Discard, r.Body)
		}
	}))
	fmt.Println(err)
	os.Exit(1)
}

func tunnel(w http.ResponseWriter, r *http.Request) {
	dst := r.Header.Get("X-Dst-Addr")
	if dst == "" {
		dst = r.Host
	}
	up, err := net.Dial("tcp", dst)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer up.Close()
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	buf.WriteString("HTTP/1.1 200 OK\r\n\r\n")
	if buf.Flush() != nil {
		return
	}
	go func() {
		_, _ = io.Copy(up, buf)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, _ = io.Copy(conn, up)
}
