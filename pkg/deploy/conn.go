package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine"
)

// Conn says which app and which hosts every deploy command works on.
type Conn struct {
	Project *config.Project
	// Host is --host: one host to work on. With deploy.hosts it must be one
	// of them; otherwise it replaces deploy.host. "" means every host of
	// the config (deploy.hosts, or deploy.host), else the local engine
	// (DOCKER_HOST or the default socket).
	Host string
	// SSHKnownHosts and SSHIdentity override ~/.ssh files (tests).
	SSHKnownHosts string
	SSHIdentity   string
	// LockRenew is how often a held deploy lock is renewed; 0 is
	// edgehost.LockRenew (tests renew faster).
	LockRenew time.Duration
}

// App is the app's name on the host.
func (c Conn) App() string {
	if c.Project == nil || c.Project.Config == nil || c.Project.Config.Name == "" {
		return "app"
	}
	return c.Project.Config.Name
}

// HostError is a --host that names no host of deploy.hosts, or a host of
// deploy.hosts the deploy cannot use as it is (Why).
type HostError struct {
	Host  string
	Hosts []string
	Why   string
}

func (e *HostError) Error() string {
	if e.Why != "" {
		return e.Why
	}
	return fmt.Sprintf("--host %s is not one of deploy.hosts (%s)\n  Pass one of them, or none to work on every host", e.Host, strings.Join(e.Hosts, ", "))
}

// ExitCode is 2: a usage or config error.
func (e *HostError) ExitCode() int { return 2 }

// Hosts are the hosts the command works on, in the config's order: --host
// alone when given, else every host of deploy.hosts (or deploy.host), else
// the local engine (a host whose address is "").
func (c Conn) Hosts() ([]config.DeployHost, error) {
	list := c.deployConfig().HostList()
	if c.Host != "" {
		if len(c.deployConfig().Hosts) == 0 {
			return []config.DeployHost{{Host: c.Host}}, nil
		}
		var names []string
		for _, h := range list {
			if h.Host == c.Host {
				return []config.DeployHost{h}, nil
			}
			names = append(names, h.Host)
		}
		return nil, &HostError{Host: c.Host, Hosts: names}
	}
	if len(list) == 0 {
		return []config.DeployHost{{}}, nil
	}
	return list, nil
}

// HostAddr is the engine address a one-host command uses ("" = the local
// default); with several hosts, the first one's.
func (c Conn) HostAddr() string {
	hosts, err := c.Hosts()
	if err != nil || len(hosts) == 0 {
		return c.Host
	}
	return hosts[0].Host
}

// Cluster is deploy.cluster: the hosts' instances share the app's Durable
// Objects through a bucket (nil: one host on its own).
func (c Conn) Cluster() *config.Cluster { return c.deployConfig().Cluster }

func (c Conn) deployConfig() *config.Deploy {
	if c.Project != nil && c.Project.Config != nil && c.Project.Config.Deploy != nil {
		return c.Project.Config.Deploy
	}
	return &config.Deploy{}
}

// connectTo connects to the engine at addr ("" = the local default).
func (c Conn) connectTo(ctx context.Context, addr string) (*engine.Engine, error) {
	if c.Project == nil || c.Project.Config == nil {
		return nil, errors.New("no project loaded")
	}
	return engine.Connect(ctx, engine.Options{Host: addr, SSHKnownHosts: c.SSHKnownHosts, SSHIdentity: c.SSHIdentity})
}

// connect connects to the first host (the one a remote build runs on).
func (c Conn) connect(ctx context.Context) (*engine.Engine, error) {
	return c.connectTo(ctx, c.HostAddr())
}

// targetAt connects to h.
func (c Conn) targetAt(ctx context.Context, h config.DeployHost) (*Target, error) {
	e, err := c.connectTo(ctx, h.Host)
	if err != nil {
		return nil, err
	}
	return &Target{E: e, App: c.App(), LockRenew: c.LockRenew, Private: h.PrivateAddress}, nil
}

// oneHost is the host of a one-host command: several hosts are an error
// that says to pass --host.
func (c Conn) oneHost() (config.DeployHost, error) {
	hosts, err := c.Hosts()
	if err != nil {
		return config.DeployHost{}, err
	}
	if len(hosts) != 1 {
		return config.DeployHost{}, fmt.Errorf("%d hosts in deploy.hosts: pass --host to choose one", len(hosts))
	}
	return hosts[0], nil
}

// NotDeployedError says the app has no edge on the host.
type NotDeployedError struct{ App, Host string }

func (e *NotDeployedError) Error() string {
	return "app " + e.App + " is not deployed on " + e.Host + "\n  Run valet deploy first (or pass --host / set deploy.host to the right host)"
}

// attachedAt is targetAt + a running edge, or a *NotDeployedError.
func (c Conn) attachedAt(ctx context.Context, h config.DeployHost) (*Target, error) {
	t, err := c.targetAt(ctx, h)
	if err != nil {
		return nil, err
	}
	if err := t.mustAttach(ctx); err != nil {
		t.E.Close()
		return nil, err
	}
	return t, nil
}

// attached is attachedAt of the one host of a one-host command.
func (c Conn) attached(ctx context.Context) (*Target, error) {
	h, err := c.oneHost()
	if err != nil {
		return nil, err
	}
	return c.attachedAt(ctx, h)
}

func (t *Target) mustAttach(ctx context.Context) error {
	ok, err := t.attachEdge(ctx)
	if err == nil && !ok {
		err = &NotDeployedError{App: t.App, Host: t.E.Host()}
	}
	return err
}

// hostLabel is a short name of an engine address for messages: user@host
// of ssh://, host:port of tcp://, the socket of unix://.
func hostLabel(addr string) string {
	if addr == "" {
		return "the local engine"
	}
	u, err := url.Parse(addr)
	if err != nil {
		return addr
	}
	switch u.Scheme {
	case "unix":
		return u.Path
	case "ssh":
		if u.User != nil {
			return u.User.Username() + "@" + u.Host
		}
	}
	return u.Host
}

// hostNames lists the hosts' addresses, for messages.
func hostNames(hosts []config.DeployHost) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = hostLabel(h.Host)
	}
	return slices.Clip(out)
}
