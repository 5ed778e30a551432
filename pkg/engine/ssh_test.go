package engine

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestParseSSHTarget(t *testing.T) {
	t.Setenv("USER", "me")
	cases := map[string]sshTarget{
		"ssh://deploy@example.com":                   {User: "deploy", Addr: "example.com:22", Socket: "/var/run/docker.sock"},
		"ssh://u@h:2222/run/user/1000/docker.sock":   {User: "u", Addr: "h:2222", Socket: "/run/user/1000/docker.sock"},
		"ssh://[::1]:2200/":                          {User: "", Addr: "[::1]:2200", Socket: "/var/run/docker.sock"},
		"ssh://root@127.0.0.1:2222/tmp/valet/d.sock": {User: "root", Addr: "127.0.0.1:2222", Socket: "/tmp/valet/d.sock"},
	}
	for in, want := range cases {
		u, err := parseHost(in)
		if err != nil {
			t.Fatalf("parseHost(%q): %v", in, err)
		}
		got, err := parseSSHTarget(u)
		if err != nil || got != want {
			t.Errorf("parseSSHTarget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"ssh://u:secret@h", "ssh://h?x=1"} {
		u, err := url.Parse(bad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = parseSSHTarget(u)
		if err == nil {
			t.Errorf("parseSSHTarget(%q): no error", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKnownHosts(t *testing.T) {
	known, other := newHostKey(t), newHostKey(t)
	file := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{"[127.0.0.1]:2222"}, known) + "\n"
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := hostKeyCallback(file, "127.0.0.1:2222")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.algorithms) != 1 || k.algorithms[0] != ssh.KeyAlgoED25519 {
		t.Errorf("algorithms = %v, want [ssh-ed25519]", k.algorithms)
	}
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}
	if err := k.check("127.0.0.1:2222", remote, known); err != nil {
		t.Errorf("known key refused: %v", err)
	}
	err = k.check("127.0.0.1:2222", remote, other)
	if err == nil || !strings.Contains(err.Error(), "does not match") || !strings.Contains(err.Error(), ssh.FingerprintSHA256(other)) {
		t.Errorf("changed key: err = %v", err)
	}
	err = k.check("127.0.0.1:2200", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2200}, other)
	if err == nil || !strings.Contains(err.Error(), "is not in "+file) || !strings.Contains(err.Error(), "ssh-keyscan") {
		t.Errorf("unknown host: err = %v", err)
	}
	if _, err := hostKeyCallback(filepath.Join(t.TempDir(), "missing"), "h:22"); err == nil || !strings.Contains(err.Error(), "ssh-keyscan") {
		t.Errorf("missing known_hosts: err = %v", err)
	}
}
