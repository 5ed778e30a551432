package deploy

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

// TestDeployOverTCPTLS deploys to a private dockerd on tcp://127.0.0.1
// with --tlsverify, TLS from DOCKER_CERT_PATH and DOCKER_TLS_VERIFY as the
// docker CLI reads them: the app answers, a redeploy switches; without the
// certificates the error says what to set; an app with containers[] is
// refused, since no engine socket reaches the edge over tcp.
func TestDeployOverTCPTLS(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	certs := enginetest.NewTLSCerts(t)
	enginetest.StartDaemon(t, certs.DaemonFlags(addr)...)
	host := "tcp://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	t.Setenv("DOCKER_CERT_PATH", certs.ClientDir)
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	p := newProject(t, "")
	d := newDeployer(t, p, host)
	start := time.Now()
	r1 := d.mustDeploy(ctx)
	t.Logf("first deploy over tcp+TLS: %s, %d bytes", time.Since(start).Round(time.Millisecond), r1.Bytes)
	if !r1.Switched || r1.Host != host || !strings.HasPrefix(r1.URL, "http://127.0.0.1:") {
		t.Fatalf("over tcp+TLS: %+v", r1)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v1" {
		t.Fatalf("v1 over tcp+TLS: %q", body)
	}
	p.worker("v2")
	if r2 := d.mustDeploy(ctx); r2.Files != 2 || !r2.Switched {
		t.Errorf("redeploy over tcp+TLS: %+v", r2)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("v2 over tcp+TLS: %q", body)
	}

	// A secret goes over TLS that verifies the engine; over TLS that does
	// not (certificates, but no DOCKER_TLS_VERIFY) it is refused, saying
	// how to secure the connection, and nothing is stored.
	if err := SecretPut(ctx, d.conn, "TOKEN", "over-verified-tls", events.NewEmitter(d.rec)); err != nil {
		t.Fatalf("secret put over verified TLS: %v", err)
	}
	if _, body := httpGet(t, p.url("/api/secret")); body != "over-verified-tls" {
		t.Fatalf("secret over verified TLS: %q", body)
	}
	t.Setenv("DOCKER_TLS_VERIFY", "")
	err = SecretPut(ctx, d.conn, "OTHER", "over-unverified-tls", events.NewEmitter(d.rec))
	insecureRefused(t, err, "TLS without verifying")
	if names, err := SecretNames(ctx, d.conn, nil); err != nil || strings.Join(names, ",") != "TOKEN" {
		t.Fatalf("secrets after a refused put over unverified TLS: %v %v", names, err)
	}
	t.Setenv("DOCKER_TLS_VERIFY", "1")

	// Without the certificates: a clear error, nothing changed.
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	_, err = Versions(ctx, d.conn)
	var ue *engine.UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "DOCKER_CERT_PATH") || !strings.Contains(err.Error(), "DOCKER_TLS_VERIFY") {
		t.Errorf("without certificates: %v", err)
	}
	t.Logf("without certificates: %v", err)
	t.Setenv("DOCKER_CERT_PATH", certs.ClientDir)
	t.Setenv("DOCKER_TLS_VERIFY", "1")

	// containers[] over tcp: refused, saying why and what to do.
	dp := newDurableProject(t)
	dd := newDeployer(t, dp, host)
	_, err = dd.deploy(ctx)
	t.Logf("containers over tcp: %v", err)
	if err == nil || !strings.Contains(err.Error(), "containers[]") || !strings.Contains(err.Error(), "over "+host) || !strings.Contains(err.Error(), "ssh://") {
		t.Errorf("containers[] over tcp: %v", err)
	}
	var failed string
	for _, ev := range dd.rec.Events() {
		if ev.Kind == events.StepFailed {
			failed = ev.Step
		}
	}
	if failed != "connect" {
		t.Errorf("containers[] over tcp failed at step %q, want connect (before anything is sent)", failed)
	}
}

// insecureRefused checks a secret refused over an insecure connection:
// the error says why and how to secure it.
func insecureRefused(t *testing.T, err error, why string) {
	t.Helper()
	var ie *InsecureError
	if !errors.As(err, &ie) {
		t.Fatalf("secret put over an insecure connection: %v", err)
	}
	for _, want := range []string{why, "ssh://", "unix://", "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%v", want, err)
		}
	}
	t.Logf("refused: %v", err)
}

// TestSecretRefusedOverPlainTCP deploys to a dockerd on plain
// tcp://127.0.0.1 (allowed: nothing secret travels), then puts a secret:
// refused before anything is sent, saying how to secure the connection.
func TestSecretRefusedOverPlainTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	enginetest.StartDaemon(t, "--host", "tcp://"+addr)
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, "tcp://"+addr)
	d.mustDeploy(ctx)
	err = SecretPut(ctx, d.conn, "TOKEN", "over-plain-tcp", events.NewEmitter(d.rec))
	insecureRefused(t, err, "plain TCP")
	if names, err := SecretNames(ctx, d.conn, nil); err != nil || len(names) != 0 {
		t.Fatalf("secrets after a refused put: %v %v", names, err)
	}
	if _, body := httpGet(t, p.url("/api/secret")); body != "unset" {
		t.Fatalf("the worker sees %q", body)
	}
}
