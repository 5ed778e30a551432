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
