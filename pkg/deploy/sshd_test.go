package deploy

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

func TestDeployOverSSH(t *testing.T) {
	env := enginetest.StartSSHD(t, enginetest.Connect(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, env.Host)
	d.conn.SSHIdentity, d.conn.SSHKnownHosts = env.Key, env.KnownHosts

	r1 := d.mustDeploy(ctx)
	if _, body := httpGet(t, p.url("/api/version")); body != "v1" || !r1.Switched {
		t.Fatalf("over ssh: %q %+v", body, r1)
	}
	start := time.Now()
	r2 := d.mustDeploy(ctx)
	t.Logf("no-change redeploy over ssh: %s, %d bytes", time.Since(start), r2.Bytes)
	p.worker("v2")
	if r3 := d.mustDeploy(ctx); r3.Files != 2 {
		t.Errorf("redeploy over ssh: %+v", r3)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("v2 over ssh: %q", body)
	}
	if err := SecretPut(ctx, d.conn, "TOKEN", "over-ssh", nil); err != nil {
		t.Fatal(err)
	}
	if _, body := httpGet(t, p.url("/api/secret")); body != "over-ssh" {
		t.Fatalf("secret over ssh: %q", body)
	}

	// A key the host does not accept, and a host key known_hosts does not hold.
	wrongKey := filepath.Join(t.TempDir(), "id")
	enginetest.WriteSSHKey(t, wrongKey)
	_, err := Versions(ctx, Conn{Project: d.conn.Project, Host: env.Host, SSHIdentity: wrongKey, SSHKnownHosts: env.KnownHosts})
	if err == nil || !strings.Contains(err.Error(), "authorized_keys") {
		t.Errorf("refused key: %v", err)
	}
	other := filepath.Join(t.TempDir(), "known_hosts")
	u, err := url.Parse(env.Host) // ssh://USER@127.0.0.1:PORT/path: any user, root or not
	if err != nil {
		t.Fatal(err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(u.Host)}, enginetest.WriteSSHKey(t, filepath.Join(t.TempDir(), "k")))
	if err := os.WriteFile(other, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Versions(ctx, Conn{Project: d.conn.Project, Host: env.Host, SSHIdentity: env.Key, SSHKnownHosts: other})
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("host key mismatch: %v", err)
	}
}
