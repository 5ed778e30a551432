package engine_test

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

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

// sshEnv is a throw-away sshd on 127.0.0.1 that reaches the test engine.
type sshEnv struct {
	host, key, knownHosts string
}

// startSSHD uses the suite's sshd (.ci/sshd.sh exports VALET_TEST_SSH_*) or
// starts a private one when running as root.
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

func TestSSHTransport(t *testing.T) {
	local := enginetest.Connect(t)
	path, ok := strings.CutPrefix(local.Host(), "unix://")
	if !ok {
		t.Skipf("the test engine %s is not on a local unix socket", local.Host())
	}
	env := startSSHD(t, path)
	t.Setenv("SSH_AUTH_SOCK", "") // only the throw-away key
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	start := time.Now()
	e, err := engine.Connect(ctx, engine.Options{Host: env.host, SSHIdentity: env.key, SSHKnownHosts: env.knownHosts})
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
	wrong := knownhosts.Line([]string{strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(env.host, "ssh://"), "/", 2)[0], "root@")}, writeKey(t, filepath.Join(t.TempDir(), "k")))
	if err := os.WriteFile(other, []byte(wrong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = engine.Connect(ctx, engine.Options{Host: env.host, SSHIdentity: env.key, SSHKnownHosts: other})
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("wrong host key: err = %v", err)
	}
}
