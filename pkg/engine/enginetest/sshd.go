package enginetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// SSHD is a throw-away sshd on 127.0.0.1 in front of a test engine's unix
// socket: what engine.Options wants for an ssh:// host.
type SSHD struct {
	// Host is ssh://USER@127.0.0.1:PORT/path/to/docker.sock, USER the one
	// running the tests (root or not: sshd logs in only as its own user
	// when it does not run as root).
	Host string
	// Key is the client's private key file, KnownHosts a known_hosts file
	// that holds the server's host key.
	Key, KnownHosts string
}

// StartSSHD gives t an ssh:// host that reaches e, which must be on a local
// unix socket. It uses the suite's sshd when .ci/sshd.sh exported
// VALET_TEST_SSH_* (.ci/test does), else starts a private one, killed at
// cleanup, as whoever runs the tests. Without openssh-server, or with an
// engine that is not on a unix socket, the test is skipped, and under CI
// it fails (testenv.Missing). It clears SSH_AUTH_SOCK for t so only the
// throw-away key is offered.
func StartSSHD(t testing.TB, e *engine.Engine) SSHD {
	t.Helper()
	path, ok := strings.CutPrefix(e.Host(), "unix://")
	if !ok {
		testenv.Missing(t, "an engine on a local unix socket for sshd to forward to; the test engine is %s", e.Host())
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	if h := os.Getenv("VALET_TEST_SSH_HOST"); h != "" {
		return SSHD{Host: h + path, Key: os.Getenv("VALET_TEST_SSH_KEY"), KnownHosts: os.Getenv("VALET_TEST_SSH_KNOWN_HOSTS")}
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		testenv.Missing(t, "sshd: install Debian's openssh-server (.ci/test does, and starts .ci/sshd.sh)")
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hostKey := WriteSSHKey(t, filepath.Join(dir, "host_key"))
	clientKey := WriteSSHKey(t, filepath.Join(dir, "client_key"))
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(clientKey), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
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
	if os.Geteuid() == 0 {
		// sshd's privilege-separation directory; as another user sshd
		// neither needs nor may create it.
		_ = os.MkdirAll("/run/sshd", 0o755)
	}
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
	return SSHD{
		Host:       fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", me.Username, port, path),
		Key:        filepath.Join(dir, "client_key"),
		KnownHosts: filepath.Join(dir, "known_hosts"),
	}
}

// WriteSSHKey writes a fresh ed25519 private key (OpenSSH PEM, no
// passphrase) to path and returns its public half.
func WriteSSHKey(t testing.TB, path string) ssh.PublicKey {
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

// freePort is a port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
