package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/cmdutil"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

func TestMain(m *testing.M) { enginetest.Main(m) }

func TestConnect(t *testing.T) {
	e := enginetest.Connect(t)
	if e.APIVersion() == "" {
		t.Fatal("no API version negotiated")
	}
	if !strings.Contains(e.Host(), "://") {
		t.Errorf("Host() = %q, want a URL", e.Host())
	}
	if e.Remote() {
		t.Error("a unix socket engine reported as remote")
	}
}

func TestConnectUnreachable(t *testing.T) {
	for _, host := range []string{"unix:///nonexistent/valet/docker.sock", "tcp://127.0.0.1:1"} {
		connectUnreachable(t, host)
	}
}

func connectUnreachable(t *testing.T, host string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := engine.Connect(ctx, engine.Options{Host: host})
	var ue *engine.UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UnreachableError", err)
	}
	for _, want := range []string{host, "DOCKER_HOST"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if got := cmdutil.ExitCode(err); got != 1 {
		t.Errorf("exit code = %d, want 1", got)
	}
}

func TestConnectFromDockerHost(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/from-env.sock")
	_, err := engine.Connect(context.Background(), engine.Options{PingTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "from-env.sock") {
		t.Fatalf("err = %v, want the DOCKER_HOST address named", err)
	}
}

func TestConnectBadHost(t *testing.T) {
	for _, host := range []string{"docker.sock", "ftp://x", "tcp://", "ssh://u:pw@host"} {
		_, err := engine.Connect(context.Background(), engine.Options{Host: host})
		var he *engine.HostError
		if !errors.As(err, &he) {
			t.Errorf("Connect(%q) err = %v, want *HostError", host, err)
			continue
		}
		if cmdutil.ExitCode(err) != 2 {
			t.Errorf("Connect(%q): exit code %d, want 2", host, cmdutil.ExitCode(err))
		}
		if strings.Contains(err.Error(), "pw") {
			t.Errorf("Connect(%q): error leaks the password: %v", host, err)
		}
	}
}
