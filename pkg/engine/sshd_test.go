package engine_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

func TestSSHTransport(t *testing.T) {
	local := enginetest.Connect(t)
	env := enginetest.StartSSHD(t, local)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	start := time.Now()
	e, err := engine.Connect(ctx, engine.Options{Host: env.Host, SSHIdentity: env.Key, SSHKnownHosts: env.KnownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	t.Logf("ssh connect + ping: %s", time.Since(start))
	if !e.Remote() || e.APIVersion() != local.APIVersion() {
		t.Errorf("Remote %v, API %s (local %s)", e.Remote(), e.APIVersion(), local.APIVersion())
	}
	// Several requests, some concurrent, each a channel of the one session.
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := e.ListByLabels(ctx, map[string]string{engine.LabelSession: "none"})
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}

	// A key known_hosts does not hold for this host is refused.
	other := filepath.Join(t.TempDir(), "known_hosts")
	u, err := url.Parse(env.Host) // ssh://USER@127.0.0.1:PORT/path: any user, root or not
	if err != nil {
		t.Fatal(err)
	}
	wrong := knownhosts.Line([]string{u.Host}, enginetest.WriteSSHKey(t, filepath.Join(t.TempDir(), "k")))
	if err := os.WriteFile(other, []byte(wrong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = engine.Connect(ctx, engine.Options{Host: env.Host, SSHIdentity: env.Key, SSHKnownHosts: other})
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("wrong host key: err = %v", err)
	}
}
