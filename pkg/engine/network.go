package engine

import (
	"context"
	"fmt"
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

// EnsureNetwork returns the ID of the bridge network name, creating it
// (labelled as valet's) when missing. InternalNetwork is created internal.
func (e *Engine) EnsureNetwork(ctx context.Context, name string) (string, error) {
	e.netMu.Lock()
	defer e.netMu.Unlock()
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
				Internal: name == InternalNetwork,
				Labels:   map[string]string{LabelManaged: "true"},
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

// isUserNetwork reports whether mode names a network rather than a special
// mode (none, host, bridge, default, container:<id>).
func isUserNetwork(mode string) bool {
	switch mode {
	case "", "none", "host", "bridge", "default":
		return false
	}
	return !strings.HasPrefix(mode, "container:")
}
