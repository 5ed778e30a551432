package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/moby/client"
)

// DefaultNetwork is the bridge network valet's containers join unless told
// otherwise. valet creates it itself rather than relying on the engine's
// default bridge, because dockerd may run with --bridge=none (no default
// network at all), and a user-defined bridge also gives containers DNS names.
// Port publishing on it works without iptables: dockerd's userland proxy
// (docker-proxy) forwards 127.0.0.1:port to the container.
const DefaultNetwork = "valet"

// EnsureNetwork returns the ID of the bridge network name, creating it
// (labelled as valet's) when missing.
func (e *Engine) EnsureNetwork(ctx context.Context, name string) (string, error) {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	if id, ok := e.networks[name]; ok {
		return id, nil
	}
	id, err := e.findNetwork(ctx, name)
	if err != nil {
		return "", err
	}
	if id == "" {
		_, err := e.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
			Driver: "bridge",
			Labels: map[string]string{LabelManaged: "true"},
		})
		if err != nil && !strings.Contains(strings.ToLower(err.Error()), "already exists") {
			return "", fmt.Errorf("create network %s on %s: %w", name, e.host, err)
		}
		// Engines before 25.0 do not refuse a duplicate name, so another
		// valet process may have created one at the same time: settle on
		// the oldest by listing again.
		if id, err = e.findNetwork(ctx, name); err != nil {
			return "", err
		}
		if id == "" {
			return "", fmt.Errorf("create network %s on %s: created but not listed", name, e.host)
		}
	}
	e.networks[name] = id
	return id, nil
}

// findNetwork returns the ID of the oldest network called exactly name, or "".
func (e *Engine) findNetwork(ctx context.Context, name string) (string, error) {
	res, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("name", name)})
	if err != nil {
		return "", fmt.Errorf("list networks on %s: %w", e.host, err)
	}
	items := res.Items[:0]
	for _, n := range res.Items {
		if n.Name == name { // the filter matches substrings
			items = append(items, n)
		}
	}
	if len(items) == 0 {
		return "", nil
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].Created.Equal(items[j].Created) {
			return items[i].Created.Before(items[j].Created)
		}
		return items[i].ID < items[j].ID
	})
	return items[0].ID, nil
}

// resolveNetwork maps a ContainerSpec.Network to the engine's network mode.
func (e *Engine) resolveNetwork(ctx context.Context, name string) (string, error) {
	if name == "" {
		return e.EnsureNetwork(ctx, DefaultNetwork)
	}
	return name, nil
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
