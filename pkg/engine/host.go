package engine

import (
	"fmt"
	"net/url"
	"strings"
)

// sshDefaultSocket is where the remote engine listens when an ssh:// host
// names no socket path.
const sshDefaultSocket = "/var/run/docker.sock"

// parseHost checks an engine address and says how to fix a bad one.
func parseHost(host string) (*url.URL, error) {
	scheme, rest, ok := strings.Cut(host, "://")
	if !ok || rest == "" {
		return nil, &HostError{Host: host, Reason: "missing scheme"}
	}
	switch scheme {
	case "unix", "npipe":
		return &url.URL{Scheme: scheme, Path: rest}, nil
	case "tcp", "http", "https", "ssh":
	default:
		return nil, &HostError{Host: host, Reason: fmt.Sprintf("unsupported scheme %q", scheme)}
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, &HostError{Host: host, Reason: err.Error()}
	}
	if u.Hostname() == "" {
		return nil, &HostError{Host: host, Reason: "missing host name"}
	}
	return u, nil
}

// sshTarget is what an ssh:// engine address names.
type sshTarget struct {
	User   string // "" → $USER
	Addr   string // host:port, port 22 by default
	Socket string // the engine's unix socket on the remote host
}

func parseSSHTarget(u *url.URL) (sshTarget, error) {
	if u.Scheme != "ssh" {
		return sshTarget{}, &HostError{Host: u.String(), Reason: "not an ssh:// address"}
	}
	if _, set := u.User.Password(); set {
		return sshTarget{}, &HostError{Host: u.Redacted(), Reason: "passwords in ssh:// addresses are not supported; use ssh-agent or a key in ~/.ssh"}
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	t := sshTarget{
		User:   u.User.Username(),
		Addr:   joinHostPort(u.Hostname(), port),
		Socket: u.Path,
	}
	if t.Socket == "" || t.Socket == "/" {
		t.Socket = sshDefaultSocket
	}
	if u.RawQuery != "" {
		return sshTarget{}, &HostError{Host: u.String(), Reason: "query parameters are not supported in ssh:// addresses"}
	}
	return t, nil
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// HostError is a malformed engine address (DOCKER_HOST, --host, deploy.host).
type HostError struct {
	Host   string
	Reason string
}

func (e *HostError) Error() string {
	return fmt.Sprintf("invalid Docker Engine address %q: %s\n"+
		"  Use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port][/path/to/docker.sock]", e.Host, e.Reason)
}

// ExitCode is 2: a bad address is a configuration mistake.
func (e *HostError) ExitCode() int { return 2 }
