package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/container"
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

// PortAddress is where this process dials a container's TCP port.
type PortAddress struct {
	// Addr is what to dial: the published 127.0.0.1 port when there is
	// one, else the container's address on its network.
	Addr string
	// Proxied: Addr is a published port, behind dockerd's userland proxy,
	// which accepts connections even when nothing listens in the
	// container (see Listening).
	Proxied bool
	// Direct is the container's own address on its network when Addr is
	// proxied and the engine runs on this host ("" otherwise): a dial
	// there is refused at once when nothing listens, where the proxy
	// accepts and closes.
	Direct string

	grace time.Duration // see check
}

// PortAddr is ContainerAddr that also says whether the address is behind
// the proxy, and the direct address beside it.
func (e *Engine) PortAddr(ctx context.Context, id string, port int) (PortAddress, error) {
	res, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return PortAddress{}, fmt.Errorf("inspect container %s: %w", shortID(id), err)
	}
	addr, published, err := e.addrOf(res.Container, port)
	if err != nil || !published {
		return PortAddress{Addr: addr}, err
	}
	a := PortAddress{Addr: addr, Proxied: true}
	// Only a Linux host running the engine has the containers' networks
	// (Docker Desktop keeps them in its VM).
	if !e.Remote() && runtime.GOOS == "linux" {
		a.Direct = networkAddrOf(res.Container, port)
	}
	return a, nil
}

// Listening tells whether something listens on the container's port. A
// direct address answers that for certain (a refusal or an accepted
// connection). Only where it does not answer (a host that cannot reach
// the container's network, e.g. Docker Desktop's VM) is the proxy asked,
// which is a guess under load (see portReady); Direct is then cleared, so
// that later checks do not wait for it again. Keep a for the next check
// of the same port: it also learns how slow the proxy is.
func (a *PortAddress) Listening(ctx context.Context) bool {
	ready, _ := a.check(ctx)
	return ready
}

// Dial connects to the port: at Direct when there is one, else at Addr;
// viaProxy says it was Addr behind the proxy. A Direct that does not
// answer is cleared, as in Listening; one that refuses is final (an error
// that wraps syscall.ECONNREFUSED).
func (a *PortAddress) Dial(ctx context.Context, timeout time.Duration) (c net.Conn, viaProxy bool, err error) {
	if c, answered, err := a.dialDirect(ctx, timeout); answered {
		return c, false, err
	}
	d := net.Dialer{Timeout: timeout}
	c, err = d.DialContext(ctx, "tcp", a.Addr)
	return c, a.Proxied, err
}

// dialDirect dials Direct, when Addr is proxied and there is one.
// answered: it connected or refused (c and err are then the answer);
// otherwise the network does not answer from here and Direct is cleared.
func (a *PortAddress) dialDirect(ctx context.Context, timeout time.Duration) (c net.Conn, answered bool, err error) {
	if !a.Proxied || a.Direct == "" {
		return nil, false, nil
	}
	d := net.Dialer{Timeout: min(timeout, directTimeout)}
	c, err = d.DialContext(ctx, "tcp", a.Direct)
	if err == nil || errors.Is(err, syscall.ECONNREFUSED) || ctx.Err() != nil {
		return c, true, err
	}
	a.Direct = ""
	return nil, false, nil
}

// check is Listening that, when nothing listens, says why the dial failed
// (nil when the proxy accepted and closed the connection).
func (a *PortAddress) check(ctx context.Context) (bool, error) {
	if c, answered, err := a.dialDirect(ctx, directTimeout); answered {
		if err != nil {
			return false, err
		}
		_ = c.Close()
		return true, nil
	}
	// grace is how long a connection through the proxy must stay silent
	// to count as accepted: at least proxyGrace, and 3x the longest the
	// proxy took to close one the container refused, as a loaded machine
	// slows the proxy's own dial (a fixed 15 ms took a refusal still on
	// its way for an acceptance); at most a second.
	if a.grace == 0 {
		a.grace = proxyGrace
	}
	began := time.Now()
	ready, err := portReady(ctx, a.Addr, a.Proxied, a.grace)
	if !ready && a.Proxied && err == nil {
		a.grace = min(max(a.grace, 3*time.Since(began)), time.Second)
	}
	return ready, err
}

// directTimeout bounds a dial to a container's network address: on a
// host that reaches it, a connection or refusal comes in well under a
// millisecond; a filtered or unroutable network never answers.
const directTimeout = time.Second

// containerAddr also says whether addr is a published port (behind the proxy).
func (e *Engine) containerAddr(ctx context.Context, id string, port int) (addr string, published bool, err error) {
	res, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", false, fmt.Errorf("inspect container %s: %w", shortID(id), err)
	}
	return e.addrOf(res.Container, port)
}

// addrOf is containerAddr of an inspected container.
func (e *Engine) addrOf(c container.InspectResponse, port int) (addr string, published bool, err error) {
	id := c.ID
	ns := c.NetworkSettings
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
		if addr := networkAddrOf(c, port); addr != "" {
			return addr, false, nil
		}
	}
	return "", false, fmt.Errorf("container %s: port %d is neither published nor reachable on a network from here; publish it (ContainerSpec.Ports)", shortID(id), port)
}

// networkAddrOf is c's address on the network it was created on (a
// container may have joined others, e.g. one for its route out), else on
// any; "" when it has none.
func networkAddrOf(c container.InspectResponse, port int) string {
	ns := c.NetworkSettings
	if ns == nil {
		return ""
	}
	mode := ""
	if hc := c.HostConfig; hc != nil {
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
			return net.JoinHostPort(ep.IPAddress.String(), strconv.Itoa(port))
		}
	}
	return ""
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
	var a *PortAddress
	silent := true // no dial to the container's address was refused yet
	delay := 2 * time.Millisecond
	for checks := 0; ; checks++ {
		if a == nil {
			pa, err := e.PortAddr(ctx, id, port)
			if err != nil {
				// An exited container has no ports: say it crashed.
				if st, ierr := e.Inspect(ctx, id); ierr == nil && !st.Running {
					return "", &ExitError{ID: id, Code: st.ExitCode}
				}
				return "", err
			}
			a = &pa
		}
		ready, err := a.check(ctx)
		if ready {
			return a.Addr, nil
		}
		silent = silent && (a.Proxied || isTimeout(err))
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
			if silent && !a.Proxied && checks > 0 {
				return "", &DroppedError{ID: id, Addr: a.Addr, Bridges: e.bridges(context.WithoutCancel(ctx), id), Err: ctx.Err()}
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
