package deploy

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// sshEnv is a throw-away sshd on 127.0.0.1 that reaches the test engine
// (the setup of pkg/engine's sshd test).
type sshEnv struct {
	host, key, knownHosts string
}

func startSSHD(t *testing.T, enginePath string) sshEnv {
	t.Helper()
	if h := os.Getenv("VALET_TEST_SSH_HOST"); h != "" {
		return sshEnv{host: h + enginePath, key: os.Getenv("VALET_TEST_SSH_KEY"), knownHosts: os.Getenv("VALET_TEST_SSH_KNOWN_HOSTS")}
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil || os.Geteuid() != 0 {
		t.Skip("no sshd to test with: set VALET_TEST_SSH_HOST (.ci/sshd.sh) or run as root with openssh-server installed")
	}
	dir := t.TempDir()
	hostKey := writeKey(t, filepath.Join(dir, "host_key"))
	clientKey := writeKey(t, filepath.Join(dir, "client_key"))
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientKey), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	known := knownhosts.Line([]string{fmt.Sprintf("[127.0.0.1]:%d", port)}, hostKey) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(known), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`ListenAddress 127.0.0.1:%d
HostKey %s/host_key
PidFile none
AuthorizedKeysFile %s/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowStreamLocalForwarding yes
LogLevel ERROR
`, port, dir, dir)
	if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll("/run/sshd", 0o755) // sshd's privilege-separation directory
	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	var log strings.Builder
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen: %s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return sshEnv{
		host:       fmt.Sprintf("ssh://root@127.0.0.1:%d%s", port, enginePath),
		key:        filepath.Join(dir, "client_key"),
		knownHosts: filepath.Join(dir, "known_hosts"),
	}
}

func writeKey(t *testing.T, path string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDeployOverSSH(t *testing.T) {
	local := enginetest.Connect(t)
	path, ok := strings.CutPrefix(local.Host(), "unix://")
	if !ok {
		t.Skipf("the test engine %s is not on a local unix socket", local.Host())
	}
	env := startSSHD(t, path)
	t.Setenv("SSH_AUTH_SOCK", "")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newProject(t, "")
	d := newDeployer(t, p, env.host)
	d.conn.SSHIdentity, d.conn.SSHKnownHosts = env.key, env.knownHosts

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
	writeKey(t, wrongKey)
	_, err := Versions(ctx, Conn{Project: d.conn.Project, Host: env.host, SSHIdentity: wrongKey, SSHKnownHosts: env.knownHosts})
	if err == nil || !strings.Contains(err.Error(), "authorized_keys") {
		t.Errorf("refused key: %v", err)
	}
	other := filepath.Join(t.TempDir(), "known_hosts")
	hostport := strings.SplitN(strings.TrimPrefix(env.host, "ssh://root@"), "/", 2)[0]
	line := knownhosts.Line([]string{knownhosts.Normalize(hostport)}, writeKey(t, filepath.Join(t.TempDir(), "k")))
	if err := os.WriteFile(other, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Versions(ctx, Conn{Project: d.conn.Project, Host: env.host, SSHIdentity: env.key, SSHKnownHosts: other})
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("host key mismatch: %v", err)
	}
}
