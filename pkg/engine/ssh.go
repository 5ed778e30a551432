package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshTunnel is one ssh session to the engine's host; each HTTP connection of
// the Engine API client is a "direct-streamlocal" channel to the remote
// engine's unix socket, so the remote needs sshd and dockerd, not the docker CLI.
type sshTunnel struct {
	client *ssh.Client
	socket string
	agent  net.Conn // the ssh-agent connection, closed with the tunnel
}

func (t *sshTunnel) dialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	conn, err := t.client.DialContext(ctx, "unix", t.socket)
	if err != nil {
		return nil, fmt.Errorf("open %s on the ssh host: %w", t.socket, err)
	}
	return conn, nil
}

func (t *sshTunnel) Close() error {
	err := t.client.Close()
	if t.agent != nil {
		_ = t.agent.Close()
	}
	return err
}

func dialSSH(ctx context.Context, u *url.URL, opts Options) (*sshTunnel, error) {
	target, err := parseSSHTarget(u)
	if err != nil {
		return nil, err
	}
	if target.User == "" {
		target.User = currentUser()
	}
	knownHostsFile := opts.SSHKnownHosts
	if knownHostsFile == "" {
		knownHostsFile = filepath.Join(homeDir(), ".ssh", "known_hosts")
	}
	hostKeys, err := hostKeyCallback(knownHostsFile, target.Addr)
	if err != nil {
		return nil, err
	}
	auth, agentConn := sshAuth(opts.SSHIdentity)
	if len(auth) == 0 {
		return nil, fmt.Errorf("ssh %s: no key to log in with\n  Load one into ssh-agent (ssh-add) or create ~/.ssh/id_ed25519, and add its public key to ~/.ssh/authorized_keys of %s on the host", target.Addr, target.User)
	}
	cfg := &ssh.ClientConfig{
		User:              target.User,
		Auth:              auth,
		HostKeyCallback:   hostKeys.check,
		HostKeyAlgorithms: hostKeys.algorithms,
		Timeout:           10 * time.Second,
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", target.Addr)
	if err != nil {
		closeQuietly(agentConn)
		return nil, fmt.Errorf("ssh %s: %w", target.Addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, target.Addr, cfg)
	if err != nil {
		_ = conn.Close()
		closeQuietly(agentConn)
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("ssh %s@%s: %w\n  Add your public key to ~%s/.ssh/authorized_keys on the host, or load the right key into ssh-agent", target.User, target.Addr, err, target.User)
		}
		return nil, fmt.Errorf("ssh %s@%s: %w", target.User, target.Addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return &sshTunnel{client: ssh.NewClient(c, chans, reqs), socket: target.Socket, agent: agentConn}, nil
}

// knownHosts checks the server's key against known_hosts and turns
// knownhosts' errors into ones that say what to do.
type knownHosts struct {
	file       string
	cb         ssh.HostKeyCallback
	algorithms []string
}

func hostKeyCallback(file, addr string) (*knownHosts, error) {
	cb, err := knownhosts.New(file)
	if err != nil {
		return nil, fmt.Errorf("read ssh known hosts %s: %w\n  Add the host's key first: ssh-keyscan -p PORT HOST >> %s", file, err, file)
	}
	k := &knownHosts{file: file, cb: cb}
	// Offer only the key types known_hosts holds for this host, as OpenSSH
	// does, so a host with several keys is not wrongly reported as changed.
	var keyErr *knownhosts.KeyError
	if err := cb(addr, &net.TCPAddr{}, probeKey{}); errors.As(err, &keyErr) {
		for _, w := range keyErr.Want {
			k.algorithms = append(k.algorithms, algorithmsFor(w.Key.Type())...)
		}
	}
	return k, nil
}

func (k *knownHosts) check(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := k.cb(hostname, remote, key)
	var keyErr *knownhosts.KeyError
	if errors.As(err, &keyErr) {
		if len(keyErr.Want) == 0 {
			return fmt.Errorf("ssh host %s is not in %s (its %s key is %s)\n  Check the fingerprint, then add it: ssh-keyscan -p PORT HOST >> %s",
				hostname, k.file, key.Type(), ssh.FingerprintSHA256(key), k.file)
		}
		w := keyErr.Want[0]
		return fmt.Errorf("ssh host key for %s does not match %s:%d (got %s %s, want %s)\n"+
			"  Someone may be intercepting the connection, or the host was reinstalled; if you trust the new key, remove the old line (ssh-keygen -R HOST -f %s)",
			hostname, w.Filename, w.Line, key.Type(), ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(w.Key), k.file)
	}
	var revoked *knownhosts.RevokedError
	if errors.As(err, &revoked) {
		return fmt.Errorf("ssh host key for %s is revoked in %s:%d", hostname, revoked.Revoked.Filename, revoked.Revoked.Line)
	}
	return err
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// probeKey matches no known key, so checking it lists the known ones.
type probeKey struct{}

func (probeKey) Type() string                        { return "valet-probe" }
func (probeKey) Marshal() []byte                     { return []byte("valet-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key") }

// sshAuth offers the agent's keys, then the identity files, as ssh does.
func sshAuth(identity string) ([]ssh.AuthMethod, net.Conn) {
	var methods []ssh.AuthMethod
	var agentConn net.Conn
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		if c, err := net.Dial("unix", sock); err == nil {
			agentConn = c
			methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(c).Signers))
		}
	}
	files := []string{identity}
	if identity == "" {
		dir := filepath.Join(homeDir(), ".ssh")
		files = []string{filepath.Join(dir, "id_ed25519"), filepath.Join(dir, "id_ecdsa"), filepath.Join(dir, "id_rsa")}
	}
	var signers []ssh.Signer
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// Keys with a passphrase are left to ssh-agent.
		if s, err := ssh.ParsePrivateKey(pem); err == nil {
			signers = append(signers, s)
		}
	}
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	return methods, agentConn
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}

func homeDir() string {
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/"
}

func closeQuietly(c net.Conn) {
	if c != nil {
		_ = c.Close()
	}
}
