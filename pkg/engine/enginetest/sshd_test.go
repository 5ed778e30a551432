package enginetest_test

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

func TestStartSSHD(t *testing.T) {
	s := enginetest.StartSSHD(t, enginetest.Connect(t))
	u, err := url.Parse(s.Host)
	if err != nil || u.Scheme != "ssh" || u.Path == "" {
		t.Fatalf("Host %q: %v", s.Host, err)
	}
	pem, err := os.ReadFile(s.Key)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	hostKeys, err := knownhosts.New(s.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", u.Host, &ssh.ClientConfig{User: u.User.Username(), Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKeys})
	if err != nil {
		t.Fatalf("dial %s with the key and known_hosts: %v", u.Host, err)
	}
	c.Close()
}

func TestWriteSSHKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id")
	pub := enginetest.WriteSSHKey(t, path)
	pem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	if string(signer.PublicKey().Marshal()) != string(pub.Marshal()) {
		t.Error("the public key returned is not the one of the file written")
	}
}
