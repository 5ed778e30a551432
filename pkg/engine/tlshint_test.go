package engine

import (
	"errors"
	"strings"
	"testing"
)

func TestTLSHint(t *testing.T) {
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	for _, c := range []struct{ err, want string }{
		{"Error response from daemon: Client sent an HTTP request to an HTTPS server.", "wants TLS and none is configured"},
		{"tls: failed to verify certificate: x509: certificate signed by unknown authority", "not signed by the CA in ~/.docker"},
		{"x509: certificate is valid for 10.0.0.1, not 127.0.0.1", "does not name the host"},
		{"remote error: tls: certificate required", "refuse the client certificate"},
		{"http: server gave HTTP response to HTTPS client", "does not speak TLS"},
		{"connection refused", ""},
	} {
		got := tlsHint("tcp://h:2376", errors.New(c.err))
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%q: hint %q, want it to say %q", c.err, got, c.want)
		}
	}
	e := &UnreachableError{Host: "tcp://h:2376", Err: errors.New("x"), Hint: "do this"}
	if !strings.HasSuffix(e.Error(), "\n  do this") || strings.Contains(e.Error(), "Start dockerd") {
		t.Errorf("error with a hint: %q", e.Error())
	}
}
