package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// ContainerSpec describes a container to run.
type ContainerSpec struct {
	Name       string // optional; the engine picks one when empty
	Image      string
	Entrypoint []string // nil keeps the image's
	Cmd        []string // nil keeps the image's
	Env        map[string]string
	Labels     map[string]string // LabelManaged is added
	WorkingDir string
	User       string

	// Ports are container TCP ports published on 127.0.0.1 with a random
	// host port; ContainerAddr tells which.
	Ports []int
	// Network: "" is DefaultNetwork; another name is a bridge network valet
	// creates when missing; "none", "host", "bridge" are the engine's modes.
	Network string
	// Aliases are extra DNS names of the container on Network.
	Aliases []string
	// ExtraNetworks are networks the container joins besides Network
	// (before it starts), resolved as Network is. Its address, for
	// ContainerAddr, stays the one on Network.
	ExtraNetworks []string

	Binds         []string // "volume:/path[:ro]" or "/host/path:/path"
	RestartPolicy string   // "", "no", "always", "unless-stopped", "on-failure"
	AutoRemove    bool
	Init          bool // run an init as PID 1 (reaps zombies, forwards signals)
	MemoryBytes   int64
	NanoCPUs      int64
	StopTimeout   time.Duration // grace before SIGKILL on Stop; 0 = engine default (10s)
}

// RunContainer creates and starts a container and returns its ID. A
// container that fails to start is removed again.
func (e *Engine) RunContainer(ctx context.Context, spec ContainerSpec) (string, error) {
	if spec.Image == "" {
		return "", errors.New("run container: no image given")
	}
	id, err := e.runContainer(ctx, spec)
	var ne *networkError
	if errors.As(err, &ne) {
		// Another valet process removed a duplicate network this one had
		// chosen (see EnsureNetwork): look it up again, once.
		e.forgetNetwork(ne.name)
		id, err = e.runContainer(ctx, spec)
	}
	return id, err
}

// networkError is a create or start that failed on the container's network.
type networkError struct {
	name string
	err  error
}

func (e *networkError) Error() string { return e.err.Error() }
func (e *networkError) Unwrap() error { return e.err }

func (e *Engine) runContainer(ctx context.Context, spec ContainerSpec) (string, error) {
	netName, err := e.resolveNetwork(ctx, spec.Network)
	if err != nil {
		return "", err
	}
	labels := map[string]string{LabelManaged: "true"}
	maps.Copy(labels, spec.Labels)
	cfg := &container.Config{
		Image:      spec.Image,
		Entrypoint: spec.Entrypoint,
		Cmd:        spec.Cmd,
		Env:        envList(spec.Env),
		Labels:     labels,
		WorkingDir: spec.WorkingDir,
		User:       spec.User,
	}
	if spec.StopTimeout > 0 {
		s := int((spec.StopTimeout + time.Second - 1) / time.Second)
		cfg.StopTimeout = &s
	}
	hc := &container.HostConfig{
		NetworkMode:   container.NetworkMode(netName),
		Binds:         spec.Binds,
		AutoRemove:    spec.AutoRemove,
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyMode(spec.RestartPolicy)},
	}
	if spec.Init {
		t := true
		hc.Init = &t
	}
	hc.Memory = spec.MemoryBytes
	hc.NanoCPUs = spec.NanoCPUs
	if len(spec.Ports) > 0 {
		cfg.ExposedPorts = network.PortSet{}
		hc.PortBindings = network.PortMap{}
		for _, p := range spec.Ports {
			port, ok := network.PortFrom(uint16(p), network.TCP)
			if !ok || p <= 0 || p > 65535 {
				return "", fmt.Errorf("run container %s: invalid port %d", spec.Image, p)
			}
			cfg.ExposedPorts[port] = struct{}{}
			hc.PortBindings[port] = []network.PortBinding{{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1})}}
		}
	}
	var nc *network.NetworkingConfig
	if len(spec.Aliases) > 0 && isUserNetwork(netName) {
		nc = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			netName: {Aliases: spec.Aliases},
		}}
	}
	created, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: spec.Name, Config: cfg, HostConfig: hc, NetworkingConfig: nc,
	})
	if err != nil {
		if isNetworkErr(err) {
			return "", &networkError{name: spec.networkName(), err: fmt.Errorf("create container from %s on %s: %w", spec.Image, e.host, err)}
		}
		if IsNotFound(err) {
			return "", fmt.Errorf("create container from %s: image not found on %s: %w\n  Build it first (valet build) or check the image name", spec.Image, e.host, err)
		}
		return "", fmt.Errorf("create container from %s on %s: %w", spec.Image, e.host, err)
	}
	for _, extra := range spec.ExtraNetworks {
		if err := e.connectNetwork(ctx, created.ID, extra); err != nil {
			_ = e.Remove(context.WithoutCancel(ctx), created.ID)
			if isNetworkErr(err) {
				return "", &networkError{name: extra, err: err}
			}
			return "", err
		}
	}
	if _, err := e.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		_ = e.Remove(context.WithoutCancel(ctx), created.ID)
		err = fmt.Errorf("start container from %s on %s: %w", spec.Image, e.host, err)
		if isNetworkErr(err) {
			return "", &networkError{name: spec.networkName(), err: err}
		}
		return "", err
	}
	return created.ID, nil
}

// connectNetwork joins container id to the network name (created or
// checked as its spec says).
func (e *Engine) connectNetwork(ctx context.Context, id, name string) error {
	netID, err := e.resolveNetwork(ctx, name)
	if err != nil {
		return err
	}
	if _, err := e.cli.NetworkConnect(ctx, netID, client.NetworkConnectOptions{Container: id}); err != nil {
		return fmt.Errorf("connect container %s to network %s on %s: %w", shortID(id), name, e.host, err)
	}
	return nil
}

// Stop asks the container's process to exit (SIGTERM, or the image's stop
// signal) and kills it after timeout; timeout < 0 uses the container's own.
func (e *Engine) Stop(ctx context.Context, id string, timeout time.Duration) error {
	opts := client.ContainerStopOptions{}
	if timeout >= 0 {
		s := int(timeout / time.Second)
		opts.Timeout = &s
	}
	if _, err := e.cli.ContainerStop(ctx, id, opts); err != nil {
		return fmt.Errorf("stop container %s: %w", shortID(id), err)
	}
	return nil
}

// Kill sends SIGKILL.
func (e *Engine) Kill(ctx context.Context, id string) error { return e.Signal(ctx, id, "SIGKILL") }

// Signal sends a signal ("SIGTERM", "SIGUSR1", "15", ...) to the container's PID 1.
func (e *Engine) Signal(ctx context.Context, id, signal string) error {
	if _, err := e.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal}); err != nil {
		return fmt.Errorf("send %s to container %s: %w", signal, shortID(id), err)
	}
	return nil
}

// Remove force-removes the container and its anonymous volumes. A container
// that is already gone is not an error.
func (e *Engine) Remove(ctx context.Context, id string) error {
	_, err := e.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", shortID(id), err)
	}
	return nil
}

// Wait blocks until the container is not running and returns its exit code
// (137 after SIGKILL). Call it right after RunContainer to detect crashes.
func (e *Engine) Wait(ctx context.Context, id string) (int, error) {
	res := e.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		if r.Error != nil && r.Error.Message != "" {
			return int(r.StatusCode), fmt.Errorf("wait for container %s: %s", shortID(id), r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-res.Error:
		return -1, fmt.Errorf("wait for container %s: %w", shortID(id), err)
	}
}

// State is a container's current state, as far as valet cares.
type State struct {
	Running  bool
	ExitCode int
	OOMKill  bool
	Error    string
}

// Inspect returns the container's state.
func (e *Engine) Inspect(ctx context.Context, id string) (State, error) {
	res, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return State{}, fmt.Errorf("inspect container %s: %w", shortID(id), err)
	}
	s := res.Container.State
	if s == nil {
		return State{}, nil
	}
	return State{Running: s.Running, ExitCode: s.ExitCode, OOMKill: s.OOMKilled, Error: s.Error}, nil
}

func (s ContainerSpec) networkName() string {
	if s.Network == "" {
		return DefaultNetwork
	}
	return s.Network
}

func isNetworkErr(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "network") && (strings.Contains(msg, "not found") || strings.Contains(msg, "ambiguous"))
}

func envList(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
