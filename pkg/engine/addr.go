package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// ContainerAddr returns the "host:port" this process can dial to reach the
// container's TCP port: the published 127.0.0.1 port when there is one, else
// the container's address on its network (reachable from a Linux host that
// runs the engine itself).
func (e *Engine) ContainerAddr(ctx context.Context, id string, port int) (string, error) {
	addr, _, err := e.containerAddr(ctx, id, port)
	return addr, err
}

// containerAddr also says whether addr is a published port (behind the proxy).
func (e *Engine) containerAddr(ctx context.Context, id string, port int) (addr string, published bool, err error) {
	res, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", false, fmt.Errorf("inspect container %s: %w", shortID(id), err)
	}
	ns := res.Container.NetworkSettings
	if ns == nil {
		return "", false, fmt.Errorf("container %s has no network settings (is it running?)", shortID(id))
	}
	if p, ok := network.PortFrom(uint16(port), network.TCP); ok {
		for _, b := range ns.Ports[p] {
			if b.HostPort == "" {
				continue
			}
			host := "127.0.0.1"
			if b.HostIP.IsValid() && !b.HostIP.IsUnspecified() {
				host = b.HostIP.String()
			}
			return net.JoinHostPort(host, b.HostPort), true, nil
		}
	}
	if !e.Remote() {
		// The address on the network it was created on (a container may
		// have joined others, e.g. one for its route out), else any.
		mode := ""
		if hc := res.Container.HostConfig; hc != nil {
			mode = string(hc.NetworkMode)
		}
		names := make([]string, 0, len(ns.Networks))
		for name := range ns.Networks {
			names = append(names, name)
		}
		sort.Slice(names, func(i, j int) bool {
			pi := names[i] == mode || ns.Networks[names[i]] != nil && ns.Networks[names[i]].NetworkID == mode
			pj := names[j] == mode || ns.Networks[names[j]] != nil && ns.Networks[names[j]].NetworkID == mode
			if pi != pj {
				return pi
			}
			return names[i] < names[j]
		})
		for _, name := range names {
			if ep := ns.Networks[name]; ep != nil && ep.IPAddress.IsValid() {
				return net.JoinHostPort(ep.IPAddress.String(), strconv.Itoa(port)), false, nil
			}
		}
	}
	return "", false, fmt.Errorf("container %s: port %d is neither published nor reachable on a network from here; publish it (ContainerSpec.Ports)", shortID(id), port)
}

// ErrExited is returned by WaitPort when the container stops before its
// port is ready; the error also carries the exit code.
var ErrExited = errors.New("container exited")

// ExitError is a container that exited before it was ready.
type ExitError struct {
	ID   string
	Code int
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("container %s exited with code %d before its port was ready", shortID(e.ID), e.Code)
}

func (e *ExitError) Unwrap() error { return ErrExited }

// WaitPort waits until the container accepts connections on port and
// returns the address to dial. It sees through dockerd's userland proxy,
// which accepts on the published port before the container listens: a
// connection the proxy closes at once (it could not reach the container)
// counts as not ready. A container that exits meanwhile is an *ExitError.
func (e *Engine) WaitPort(ctx context.Context, id string, port int) (string, error) {
	var addr string
	var published bool
	delay := 2 * time.Millisecond
	for checks := 0; ; checks++ {
		if addr == "" {
			var err error
			if addr, published, err = e.containerAddr(ctx, id, port); err != nil {
				// An exited container has no ports: say it crashed.
				if st, ierr := e.Inspect(ctx, id); ierr == nil && !st.Running {
					return "", &ExitError{ID: id, Code: st.ExitCode}
				}
				return "", err
			}
		}
		if portReady(ctx, addr, published) {
			return addr, nil
		}
		// Check for a crash every few tries rather than every try: an
		// inspect costs more than a failed dial.
		if checks%8 == 7 {
			st, err := e.Inspect(ctx, id)
			if err != nil {
				return "", err
			}
			if !st.Running {
				return "", &ExitError{ID: id, Code: st.ExitCode}
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("wait for port %d of container %s: %w", port, shortID(id), ctx.Err())
		case <-time.After(delay):
		}
		if delay < 50*time.Millisecond {
			delay = delay * 3 / 2
		}
	}
}

// proxyGrace is how long a connection must stay open, silent, to count as
// accepted by the container rather than refused through the proxy.
const proxyGrace = 15 * time.Millisecond

func portReady(ctx context.Context, addr string, viaProxy bool) bool {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	if !viaProxy {
		return true
	}
	_ = c.SetReadDeadline(time.Now().Add(proxyGrace))
	var b [1]byte
	_, err = c.Read(b[:])
	if err == nil {
		return true // the server spoke first: it is there
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
