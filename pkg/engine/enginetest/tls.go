package enginetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLSCerts are throw-away certificates for a dockerd on 127.0.0.1: a CA,
// a server certificate for 127.0.0.1 and a client certificate, both signed
// by it. ClientDir is laid out as DOCKER_CERT_PATH wants (ca.pem, cert.pem,
// key.pem).
type TLSCerts struct {
	ClientDir                 string
	CA, ServerCert, ServerKey string
}

// NewTLSCerts writes a fresh CA, server and client certificate under a
// temp dir of t.
func NewTLSCerts(t testing.TB) TLSCerts {
	t.Helper()
	dir := t.TempDir()
	client := filepath.Join(dir, "client")
	if err := os.Mkdir(client, 0o700); err != nil {
		t.Fatal(err)
	}
	caKey, caCert, caDER := newCert(t, nil, nil, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "valet test CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	})
	srvKey, _, srvDER := newCert(t, caKey, caCert, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	cliKey, _, cliDER := newCert(t, caKey, caCert, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "valet test client"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	c := TLSCerts{
		ClientDir:  client,
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server-cert.pem"),
		ServerKey:  filepath.Join(dir, "server-key.pem"),
	}
	writePEM(t, c.CA, "CERTIFICATE", caDER)
	writePEM(t, filepath.Join(client, "ca.pem"), "CERTIFICATE", caDER)
	writePEM(t, c.ServerCert, "CERTIFICATE", srvDER)
	writePEM(t, c.ServerKey, "EC PRIVATE KEY", ecKey(t, srvKey))
	writePEM(t, filepath.Join(client, "cert.pem"), "CERTIFICATE", cliDER)
	writePEM(t, filepath.Join(client, "key.pem"), "EC PRIVATE KEY", ecKey(t, cliKey))
	return c
}

// DaemonFlags are the dockerd flags that serve tcp://addr with TLS,
// verifying clients against the CA.
func (c TLSCerts) DaemonFlags(addr string) []string {
	return []string{"--host", "tcp://" + addr, "--tlsverify",
		"--tlscacert", c.CA, "--tlscert", c.ServerCert, "--tlskey", c.ServerKey}
}

// newCert makes a key and a certificate from tmpl, signed by parent (self
// signed when parent is nil).
func newCert(t testing.TB, parentKey *ecdsa.PrivateKey, parent, tmpl *x509.Certificate) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatalf("create certificate %s: %v", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, der
}

func ecKey(t testing.TB, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(fmt.Errorf("write %s: %w", path, err))
	}
}
