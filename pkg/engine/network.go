package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// DefaultNetwork is the bridge network valet's containers join unless told
// otherwise. valet creates it itself rather than relying on the engine's
// default bridge, because dockerd may run with --bridge=none (no default
// network at all), and a user-defined bridge also gives containers DNS names.
// Port publishing on it works without iptables: dockerd's userland proxy
// (docker-proxy) forwards 127.0.0.1:port to the container.
const DefaultNetwork = "valet"

// InternalNetwork is the network of containers started with
// enableInternet: false: a bridge created with Internal set, so the engine
// gives its containers no route out, while the host still reaches their
// addresses (ports cannot be published on it).
const InternalNetwork = "valet-internal"

// NetworkSpec is a bridge network valet creates, and what an existing one
// of that name must be before valet trusts it: internal or not, carrying
// Labels (LabelManaged is always wanted) and the bridge driver's Options.
type NetworkSpec struct {
	Name     string
	Internal bool
	Labels   map[string]string
	// Options are the bridge driver's, e.g. NoHostAddress.
	Options map[string]string
}

// NoHostAddress is the bridge option that leaves the host without an
// address on the network: its containers reach each other and nothing
// else, even where the engine's own firewall is off (an internal network
// still gets a default route through the host's address, and the host
// forwards it anywhere unless iptables rules stop it).
var NoHostAddress = map[string]string{"com.docker.network.bridge.inhibit_ipv4": "true"}

// defaultNetworkSpec is what a network named by a ContainerSpec alone is:
// valet's, internal for InternalNetwork.
func defaultNetworkSpec(name string) NetworkSpec {
	return NetworkSpec{Name: name, Internal: name == InternalNetwork}
}

func (s NetworkSpec) same(o NetworkSpec) bool {
	return s.Name == o.Name && s.Internal == o.Internal && maps.Equal(s.labels(), o.labels()) && maps.Equal(s.Options, o.Options)
}

// labels are the spec's labels with LabelManaged.
func (s NetworkSpec) labels() map[string]string {
	l := map[string]string{LabelManaged: "true"}
	for k, v := range s.Labels {
		l[k] = v
	}
	return l
}

// EnsureNetwork returns the ID of the bridge network name, creating it
// (labelled as valet's) when missing. InternalNetwork is created internal.
// A network of that name that valet did not make so is an error
// (*NetworkMismatchError).
func (e *Engine) EnsureNetwork(ctx context.Context, name string) (string, error) {
	return e.EnsureNetworkSpec(ctx, e.specFor(name))
}

// specFor is the spec registered for name by EnsureNetworkSpec, or the
// default one.
func (e *Engine) specFor(name string) NetworkSpec {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	if s, ok := e.specs[name]; ok {
		return s
	}
	return defaultNetworkSpec(name)
}

// EnsureNetworkSpec returns the ID of the bridge network spec.Name,
// creating it as spec says when missing, and checking an existing one
// against spec before it is used: a network of that name made by someone
// else, or not internal when it should be, could join containers valet
// keeps apart (*NetworkMismatchError says what differs and how to fix it).
// Later uses of the name by a ContainerSpec follow spec.
func (e *Engine) EnsureNetworkSpec(ctx context.Context, spec NetworkSpec) (string, error) {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	if old, ok := e.specs[spec.Name]; ok && !old.same(spec) {
		delete(e.networks, spec.Name) // checked against another spec: check again
	}
	e.specs[spec.Name] = spec
	name := spec.Name
	if id, ok := e.networks[name]; ok {
		return id, nil
	}
	// Engines before 25.0 do not refuse a duplicate name, so two valet
	// processes starting together may each create one; a name that matches
	// two networks cannot be used. All settle on the smallest ID and remove
	// the others (RunContainer retries when its network went away).
	for attempt := 0; attempt < 8; attempt++ {
		ids, err := e.networksNamed(ctx, name)
		if err != nil {
			return "", err
		}
		switch len(ids) {
		case 0:
			_, err := e.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
				Driver:   "bridge",
				Internal: spec.Internal,
				Labels:   spec.labels(),
				Options:  spec.Options,
			})
			if err != nil && !strings.Contains(strings.ToLower(err.Error()), "already exists") {
				return "", fmt.Errorf("create network %s on %s: %w", name, e.host, err)
			}
			// Give a racing creator's network time to show in the list.
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		case 1:
			if err := e.checkNetwork(ctx, spec, ids[0]); err != nil {
				return "", err
			}
			e.networks[name] = ids[0]
			return ids[0], nil
		default:
			for _, id := range ids[1:] {
				_, _ = e.cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
			}
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
			}
		}
	}
	return "", fmt.Errorf("several networks are named %s on %s\n  Remove the extra ones (docker network ls --filter name=%s; docker network rm ID)", name, e.host, name)
}

// checkNetwork compares the network id with spec.
func (e *Engine) checkNetwork(ctx context.Context, spec NetworkSpec, id string) error {
	res, err := e.cli.NetworkInspect(ctx, id, client.NetworkInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect network %s on %s: %w", spec.Name, e.host, err)
	}
	n := res.Network
	var problems []string
	if n.Driver != "bridge" {
		problems = append(problems, fmt.Sprintf("its driver is %q, not bridge", n.Driver))
	}
	switch {
	case spec.Internal && !n.Internal:
		problems = append(problems, "it is not internal: its containers would have a route out of it, to the internet and to other networks")
	case !spec.Internal && n.Internal:
		problems = append(problems, "it is internal: its containers would have no route out")
	}
	problems = append(problems, differ("label", spec.labels(), n.Labels)...)
	problems = append(problems, differ("option", spec.Options, n.Options)...)
	if len(problems) == 0 {
		return nil
	}
	return &NetworkMismatchError{Host: e.host, Name: spec.Name, ID: id, Problems: problems}
}

// differ says which of want's entries have is missing or has otherwise.
func differ(what string, want, have map[string]string) []string {
	keys := slices.Sorted(maps.Keys(want))
	var out []string
	for _, k := range keys {
		if got, ok := have[k]; !ok {
			out = append(out, fmt.Sprintf("it lacks the %s %s=%s", what, k, want[k]))
		} else if got != want[k] {
			out = append(out, fmt.Sprintf("its %s %s is %q, not %q", what, k, got, want[k]))
		}
	}
	return out
}

// NetworkMismatchError is a network valet would use that is not as valet
// made it: valet does not trust (or change) it.
type NetworkMismatchError struct {
	Host, Name, ID string
	Problems       []string
}

func (e *NetworkMismatchError) Error() string {
	return fmt.Sprintf("network %s (%s) on %s is not the one valet expects: %s\n"+
		"  valet puts no container on it. If nothing else needs it, remove it (docker network rm %s,\n"+
		"  after stopping or disconnecting its containers) and valet creates it as it should be; if\n"+
		"  something else does, valet cannot share it: for an app's network, rename the app (its\n"+
		"  networks are named after it)",
		e.Name, shortID(e.ID), e.Host, strings.Join(e.Problems, "; "), e.Name)
}

// forgetNetwork drops a cached network ID that turned out to be stale.
func (e *Engine) forgetNetwork(name string) {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	delete(e.networks, name)
}

// networksNamed returns the IDs of the networks called exactly name, sorted.
func (e *Engine) networksNamed(ctx context.Context, name string) ([]string, error) {
	res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("name", name)})
	if err != nil {
		return nil, fmt.Errorf("list networks on %s: %w", e.host, err)
	}
	var ids []string
	for _, n := range res.Items {
		if n.Name == name { // the filter matches substrings
			ids = append(ids, n.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// resolveNetwork maps a ContainerSpec.Network to the engine's network mode:
// a network's ID (created when missing), or a special mode as it is.
func (e *Engine) resolveNetwork(ctx context.Context, name string) (string, error) {
	if name == "" {
		name = DefaultNetwork
	}
	if !isUserNetwork(name) {
		return name, nil
	}
	return e.EnsureNetwork(ctx, name)
}

// RemoveNetworks removes the networks valet made that carry all labels
// (at least one: never every network), and returns how many went.
func (e *Engine) RemoveNetworks(ctx context.Context, labels map[string]string) (int, error) {
	if len(labels) == 0 {
		return 0, errors.New("remove networks: refusing to remove networks without a label filter")
	}
	f := client.Filters{}.Add("label", LabelManaged+"=true")
	for _, l := range labelFilters(labels) {
		f = f.Add("label", l)
	}
	res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list networks on %s: %w", e.host, err)
	}
	n := 0
	var errs []error
	for _, nw := range res.Items {
		if _, err := e.cli.NetworkRemove(ctx, nw.ID, client.NetworkRemoveOptions{}); err != nil && !IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s on %s: %w", nw.Name, e.host, err))
			continue
		}
		n++
		e.forgetNetwork(nw.Name)
	}
	return n, errors.Join(errs...)
}

// isUserNetwork reports whether mode names a network rather than a special
// mode (none, host, bridge, default, container:<id>).
func isUserNetwork(mode string) bool {
	switch mode {
	case "", "none", "host", "bridge", "default":
		return false
	}
	return !strings.HasPrefix(mode, "container:")
}
