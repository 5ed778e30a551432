package engine

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/moby/moby/client"
)

// certHelp says where the docker CLI, and so valet, reads TLS material for
// a tcp:// engine.
const certHelp = "Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory holding ca.pem (the CA that signed the engine's certificate), cert.pem and key.pem (a client certificate the engine accepts)"

// tlsHint turns a failed first contact with a tcp:// engine into advice:
// a TLS engine spoken to in plain HTTP, a certificate that does not
// verify, or one the engine refuses. "" keeps the generic advice.
func tlsHint(host string, err error) string {
	msg := err.Error()
	certPath := os.Getenv(client.EnvOverrideCertPath)
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case strings.Contains(msg, "HTTP request to an HTTPS server"):
		if certPath == "" && os.Getenv(client.EnvTLSVerify) == "" {
			return fmt.Sprintf("the engine at %s wants TLS and none is configured. %s", host, certHelp)
		}
		return fmt.Sprintf("the engine at %s wants TLS. %s", host, certHelp)
	case errors.As(err, &unknownCA), strings.Contains(msg, "certificate signed by unknown authority"):
		return fmt.Sprintf("the engine's certificate is not signed by the CA in %s. %s", orDefaultCertPath(certPath), certHelp)
	case errors.As(err, &hostErr), strings.Contains(msg, "certificate is valid for"):
		return fmt.Sprintf("the engine's certificate does not name the host of %s: reach it by a name or address its certificate holds, or issue it a new one", host)
	case strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: "):
		return fmt.Sprintf("the TLS handshake with %s failed (the engine may refuse the client certificate in %s). %s", host, orDefaultCertPath(certPath), certHelp)
	case strings.Contains(msg, "malformed HTTP response") || strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("the engine at %s does not speak TLS: unset DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or start dockerd with --tlsverify", host)
	}
	return ""
}

func orDefaultCertPath(p string) string {
	if p == "" {
		return "~/.docker"
	}
	return p
}
