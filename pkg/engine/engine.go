// Package engine is valet's Docker Engine client: it connects over unix, tcp
// (+TLS) or ssh, negotiates the API version, and offers the few container and
// image operations the rest of valet needs (Durable Object containers, builds,
// deploy transfers). It talks the Engine API only; no docker CLI is involved.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// DefaultHost is where a local engine listens when DOCKER_HOST is unset.
const DefaultHost = "unix:///var/run/docker.sock"

// Options says which engine to reach.
type Options struct {
	// Host is unix:///path, tcp://host:port or ssh://user@host[:port][/socket].
	// "" means DOCKER_HOST, else DefaultHost. For tcp, DOCKER_CERT_PATH and
	// DOCKER_TLS_VERIFY configure TLS as the docker CLI does.
	Host string

	// SSHKnownHosts and SSHIdentity override ~/.ssh/known_hosts and the
	// ~/.ssh/id_* keys (tests use throw-away ones).
	SSHKnownHosts string
	SSHIdentity   string

	// PingTimeout bounds the first contact; 0 means 5s (ssh: 15s).
	PingTimeout time.Duration
}

// Engine is a connected Docker Engine.
type Engine struct {
	cli    *client.Client
	host   string
	ssh    *sshTunnel // nil unless Host is ssh://
	api    string
	osType string
	// insecure says why what this connection carries can be read or
	// changed on the way ("" when it cannot: a local socket, ssh, verified TLS).
	insecure string

	netMu    sync.Mutex
	networks map[string]string      // name → ID of networks known to exist (and checked)
	specs    map[string]NetworkSpec // name → what that network must be
}

// Connect reaches the engine named by opts and pings it, negotiating the API
// version. An unreachable engine is an *UnreachableError naming the host tried.
func Connect(ctx context.Context, opts Options) (*Engine, error) {
	host := opts.Host
	if host == "" {
		host = os.Getenv(client.EnvOverrideHost)
	}
	if host == "" {
		host = DefaultHost
	}
	u, err := parseHost(host)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "ssh" {
		if _, err := parseSSHTarget(u); err != nil {
			return nil, err
		}
		host = u.Redacted()
	}
	timeout := opts.PingTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
		if u.Scheme == "ssh" {
			timeout = 15 * time.Second
		}
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	e := &Engine{host: host, networks: map[string]string{}, specs: map[string]NetworkSpec{}, insecure: insecurity(u.Scheme)}
	clientOpts := []client.Opt{client.WithAPIVersionFromEnv()}
	switch u.Scheme {
	case "ssh":
		t, err := dialSSH(pctx, u, opts)
		if err != nil {
			return nil, &UnreachableError{Host: host, Err: err}
		}
		e.ssh = t
		// The HTTP host is a placeholder: every connection is a channel of the
		// ssh session to the remote engine's unix socket.
		clientOpts = append(clientOpts,
			client.WithHost("http://"+u.Hostname()),
			client.WithHTTPClient(&http.Client{Transport: &http.Transport{
				DialContext:     t.dialContext,
				MaxIdleConns:    6,
				IdleConnTimeout: 30 * time.Second,
			}}),
		)
	case "tcp":
		clientOpts = append(clientOpts, tlsFromEnv(), client.WithHost(host))
	default:
		clientOpts = append(clientOpts, client.WithHost(host))
	}
	cli, err := client.New(clientOpts...)
	if err != nil {
		e.closeSSH()
		if u.Scheme == "tcp" {
			return nil, fmt.Errorf("docker engine %s: TLS setup: %w\n  %s", host, err, certHelp)
		}
		return nil, fmt.Errorf("docker engine %s: %w", host, err)
	}
	e.cli = cli
	ping, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		_ = e.Close()
		ue := &UnreachableError{Host: host, Err: err}
		if u.Scheme == "tcp" {
			ue.Hint = tlsHint(host, err)
		}
		return nil, ue
	}
	e.api = cli.ClientVersion()
	e.osType = ping.OSType
	return e, nil
}

// tlsFromEnv configures TLS as the docker CLI does: DOCKER_CERT_PATH, or
// ~/.docker when only DOCKER_TLS_VERIFY is set.
func tlsFromEnv() client.Opt {
	if os.Getenv(client.EnvOverrideCertPath) == "" && os.Getenv(client.EnvTLSVerify) != "" {
		dir := filepath.Join(homeDir(), ".docker")
		return client.WithTLSClientConfig(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	}
	return client.WithTLSClientConfigFromEnv()
}

// insecurity says why a connection of scheme (TLS from the environment as
// tlsFromEnv reads it) does not protect what it carries; "" when it does.
func insecurity(scheme string) string {
	switch scheme {
	case "tcp":
		switch {
		case os.Getenv(client.EnvTLSVerify) != "":
			return ""
		case os.Getenv(client.EnvOverrideCertPath) != "":
			return "TLS without verifying the engine's certificate (DOCKER_TLS_VERIFY is not set): anyone on the way can pose as the engine"
		}
		return "plain TCP, without TLS: anyone on the network can read it"
	case "http":
		return "plain HTTP, without TLS: anyone on the network can read it"
	}
	return ""
}

// Insecure says why this connection does not keep what it carries secret
// ("" when it does: a unix socket, ssh, or TLS that verifies the engine).
func (e *Engine) Insecure() string { return e.insecure }

// Host is the engine address valet connected to, as given or defaulted.
func (e *Engine) Host() string { return e.host }

// APIVersion is the negotiated Engine API version, e.g. "1.41".
func (e *Engine) APIVersion() string { return e.api }

// Client exposes the underlying Engine API client for operations this
// package does not wrap (pkg/image builds through it).
func (e *Engine) Client() *client.Client { return e.cli }

// Remote reports whether the engine is reached over ssh: container addresses
// it returns are then on the remote host, not dialable from here.
func (e *Engine) Remote() bool { return e.ssh != nil }

// Close releases the connection (and the ssh session, if any).
func (e *Engine) Close() error {
	var err error
	if e.cli != nil {
		err = e.cli.Close()
	}
	return errors.Join(err, e.closeSSH())
}

func (e *Engine) closeSSH() error {
	if e.ssh == nil {
		return nil
	}
	return e.ssh.Close()
}

// UnreachableError says the engine at Host could not be reached, and how to
// point valet at another one.
type UnreachableError struct {
	Host string
	Err  error
	// Hint, when set, says how to fix this failure (e.g. TLS settings)
	// instead of the generic advice.
	Hint string
}

func (e *UnreachableError) Error() string {
	if e.Hint != "" {
		return fmt.Sprintf("cannot reach the Docker Engine at %s: %v\n  %s", e.Host, e.Err, e.Hint)
	}
	return fmt.Sprintf("cannot reach the Docker Engine at %s: %v\n"+
		"  Start dockerd there, or point valet at a running engine with DOCKER_HOST\n"+
		"  (e.g. DOCKER_HOST=unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host)", e.Host, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ExitCode is 1: an engine that is down is a failure, not a usage error.
func (e *UnreachableError) ExitCode() int { return 1 }

// API is what the rest of valet uses of an engine (pkg/containers, deploy),
// so that they can take a fake in unit tests. *Engine implements it.
type API interface {
	Host() string
	Remote() bool
	RunContainer(ctx context.Context, spec ContainerSpec) (string, error)
	ContainerAddr(ctx context.Context, id string, port int) (string, error)
	PortAddr(ctx context.Context, id string, port int) (PortAddress, error)
	WaitPort(ctx context.Context, id string, port int) (string, error)
	Inspect(ctx context.Context, id string) (State, error)
	Stop(ctx context.Context, id string, timeout time.Duration) error
	Kill(ctx context.Context, id string) error
	Signal(ctx context.Context, id, signal string) error
	Remove(ctx context.Context, id string) error
	Wait(ctx context.Context, id string) (int, error)
	Logs(ctx context.Context, id string, follow bool) (io.ReadCloser, error)
	LogsTo(ctx context.Context, id string, follow bool, stdout, stderr io.Writer) error
	ListByLabels(ctx context.Context, labels map[string]string) ([]ContainerInfo, error)
	Sweep(ctx context.Context, labels map[string]string) (int, error)
	ImageExists(ctx context.Context, ref string) (string, bool, error)
	SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error)
	LoadImages(ctx context.Context, archive io.Reader) ([]string, error)
	Close() error
}

var _ API = (*Engine)(nil)
