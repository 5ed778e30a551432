package deploy

import (
	"context"
	"errors"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine"
)

// Conn says which app and which host every deploy command works on.
type Conn struct {
	Project *config.Project
	// Host is --host; "" means deploy.host, else the local engine
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

// HostAddr is the engine address the commands use ("" = the local default).
func (c Conn) HostAddr() string {
	if c.Host != "" {
		return c.Host
	}
	if c.Project != nil && c.Project.Config != nil && c.Project.Config.Deploy != nil {
		return c.Project.Config.Deploy.Host
	}
	return ""
}

func (c Conn) deployConfig() *config.Deploy {
	if c.Project != nil && c.Project.Config != nil && c.Project.Config.Deploy != nil {
		return c.Project.Config.Deploy
	}
	return &config.Deploy{}
}

func (c Conn) connect(ctx context.Context) (*engine.Engine, error) {
	if c.Project == nil || c.Project.Config == nil {
		return nil, errors.New("no project loaded")
	}
	return engine.Connect(ctx, engine.Options{Host: c.HostAddr(), SSHKnownHosts: c.SSHKnownHosts, SSHIdentity: c.SSHIdentity})
}

// target connects and finds the app's running edge; no edge is an error
// that says to deploy first.
func (c Conn) target(ctx context.Context) (*Target, error) {
	e, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	t := &Target{E: e, App: c.App(), LockRenew: c.LockRenew}
	return t, nil
}

// NotDeployedError says the app has no edge on the host.
type NotDeployedError struct{ App, Host string }

func (e *NotDeployedError) Error() string {
	return "app " + e.App + " is not deployed on " + e.Host + "\n  Run valet deploy first (or pass --host / set deploy.host to the right host)"
}

// attached is target + a running edge, or a *NotDeployedError.
func (c Conn) attached(ctx context.Context) (*Target, error) {
	t, err := c.target(ctx)
	if err != nil {
		return nil, err
	}
	ok, err := t.attachEdge(ctx)
	if err == nil && !ok {
		err = &NotDeployedError{App: t.App, Host: t.E.Host()}
	}
	if err != nil {
		t.E.Close()
		return nil, err
	}
	return t, nil
}
