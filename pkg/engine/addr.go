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

// PortAddr is ContainerAddr that also says whether addr is a published
// port: dockerd's userland proxy answers there, and accepts connections even
// when nothing listens in the container (see PortListening).
func (e *Engine) PortAddr(ctx context.Context, id string, port int) (addr string, proxied bool, err error) {
	return e.containerAddr(ctx, id, port)
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
	silent := true // no dial to the container's address was refused yet
	delay := 2 * time.Millisecond
	// grace is how long a connection through the proxy must stay silent
	// to count as accepted: at least proxyGrace, and 3x the longest the
	// proxy took to close one the container refused, as a loaded machine
	// slows the proxy's own dial (a fixed 15 ms took a refusal still on
	// its way for an acceptance); at most a second.
	grace := proxyGrace
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
		began := time.Now()
		ready, err := portReady(ctx, addr, published, grace)
		if ready {
			return addr, nil
		}
		if published && err == nil {
			grace = min(max(grace, 3*time.Since(began)), time.Second)
		}
		silent = silent && (published || isTimeout(err))
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
			if silent && !published && checks > 0 {
				return "", &DroppedError{ID: id, Addr: addr, Bridges: e.bridges(context.WithoutCancel(ctx), id), Err: ctx.Err()}
			}
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

// PortListening tells whether something listens behind addr. Behind the
// proxy (proxied), a connection the proxy closes at once, because it could
// not reach the container, counts as nothing listening; that check takes
// proxyGrace when something does listen.
func PortListening(ctx context.Context, addr string, proxied bool) bool {
	ready, _ := portReady(ctx, addr, proxied, proxyGrace)
	return ready
}

// portReady dials addr; when it is not ready, err says why the dial failed
// (nil when the proxy closed the connection). Through the proxy, a
// connection still open and silent after grace counts as accepted.
func portReady(ctx context.Context, addr string, viaProxy bool, grace time.Duration) (bool, error) {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	defer c.Close()
	if !viaProxy {
		return true, nil
	}
	_ = c.SetReadDeadline(time.Now().Add(grace))
	var b [1]byte
	_, err = c.Read(b[:])
	if err == nil {
		return true, nil // the server spoke first: it is there
	}
	return isTimeout(err), nil
}

// isTimeout: no answer at all, where a closed port would have refused.
func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && (errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded))
}

// DroppedError is a running container whose address never answered while
// WaitPort dialed it: no connection was refused (a port nobody listens on
// is refused at once), none accepted. The packets were dropped on the way.
type DroppedError struct {
	ID, Addr string
	Bridges  []string // the Linux bridges of the container's networks
	Err      error
}

func (e *DroppedError) Error() string {
	br := "br-NETWORK"
	if len(e.Bridges) > 0 {
		br = e.Bridges[0]
	}
	return fmt.Sprintf("container %s never answered at %s: its packets are dropped (%v)\n"+
		"  On Linux the usual cause is the host's firewall filtering the traffic between the containers of a network: "+
		"the iptables FORWARD policy is DROP (a dockerd with iptables on sets it, and it stays), br_netfilter sends bridged traffic through it "+
		"(net.bridge.bridge-nf-call-iptables=1), and this engine runs with iptables off (--iptables=false), so no rule of its own accepts that traffic.\n"+
		"  Run dockerd with iptables on (its default), or accept the network's own traffic: iptables -A FORWARD -i %s -o %s -j ACCEPT",
		shortID(e.ID), e.Addr, e.Err, br, br)
}

func (e *DroppedError) Unwrap() error { return e.Err }

// bridges are the Linux bridge names of the networks container id is on.
func (e *Engine) bridges(ctx context.Context, id string) []string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil || res.Container.NetworkSettings == nil {
		return nil
	}
	var out []string
	for _, ep := range res.Container.NetworkSettings.Networks {
		if ep == nil || ep.NetworkID == "" {
			continue
		}
		n, err := e.cli.NetworkInspect(ctx, ep.NetworkID, client.NetworkInspectOptions{})
		if err != nil {
			continue
		}
		if name := n.Network.Options["com.docker.network.bridge.name"]; name != "" {
			out = append(out, name)
		} else if n.Network.Driver == "bridge" && len(n.Network.ID) >= 12 {
			out = append(out, "br-"+n.Network.ID[:12])
		}
	}
	return out
}
