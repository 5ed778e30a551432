package engine_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// tlsDaemon starts a private dockerd serving tcp://127.0.0.1:<free port>
// with --tlsverify and throw-away certificates.
func tlsDaemon(t *testing.T) (host string, certs enginetest.TLSCerts) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	certs = enginetest.NewTLSCerts(t)
	enginetest.StartDaemon(t, certs.DaemonFlags(addr)...)
	return "tcp://" + addr, certs
}

// TestConnectTCPTLS reaches a dockerd over tcp:// with TLS configured from
// DOCKER_CERT_PATH and DOCKER_TLS_VERIFY, as the docker CLI does; without
// the certificates, or with another CA, the error says what to set.
func TestConnectTCPTLS(t *testing.T) {
	host, certs := tlsDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Setenv("DOCKER_CERT_PATH", certs.ClientDir)
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	e, err := engine.Connect(ctx, engine.Options{Host: host})
	if err != nil {
		t.Fatalf("connect over tcp+TLS: %v", err)
	}
	if e.Host() != host || e.Remote() {
		t.Errorf("host %s, remote %v", e.Host(), e.Remote())
	}
	if _, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: "none"}); err != nil {
		t.Errorf("list over tcp+TLS: %v", err)
	}
	e.Close()

	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	_, err = engine.Connect(ctx, engine.Options{Host: host})
	t.Logf("without certificates: %v", err)
	wantMention(t, err, host, "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY")

	t.Setenv("DOCKER_CERT_PATH", t.TempDir())
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	_, err = engine.Connect(ctx, engine.Options{Host: host})
	t.Logf("with an empty DOCKER_CERT_PATH: %v", err)
	wantMention(t, err, host, "cert.pem", "DOCKER_CERT_PATH")

	other := enginetest.NewTLSCerts(t)
	t.Setenv("DOCKER_CERT_PATH", other.ClientDir)
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	_, err = engine.Connect(ctx, engine.Options{Host: host})
	t.Logf("with another CA: %v", err)
	wantMention(t, err, host, "certificate", "DOCKER_CERT_PATH")
}

func wantMention(t *testing.T, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one mentioning %v", words)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q: %v", w, err)
		}
	}
}
