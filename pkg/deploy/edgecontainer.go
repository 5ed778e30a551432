package deploy

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
)

// edgePort is the port the edge listens on inside its container.
const edgePort = 8080

// edgeSpec is what the app's edge container should be.
type edgeSpec struct {
	Image  string
	Port   int    // public port on the host
	BindIP string // host address the port is published on
	// Private: the app has containers[]; the edge joins the app's private
	// network, where they run (edgehost.AppNetworks).
	Private bool
	// Cluster: the host is one of a cluster's (deploy.cluster); nil: not.
	Cluster *clusterEdge
}

// stopTimeout is how long the edge may take to stop before the engine
// kills it: its version's workerd stops, which in a cluster hands the
// objects to the peers (workerd's 8 s stop timeout).
func (s edgeSpec) stopTimeout() time.Duration {
	if s.Cluster != nil {
		return 30 * time.Second
	}
	return 10 * time.Second
}

// ensureNetworks creates the app's networks, or checks that existing ones
// are what valet made (*engine.NetworkMismatchError otherwise), before
// anything runs on them: the public one always, the private one when the
// app has containers. It returns their IDs ("" for one not wanted).
func (t *Target) ensureNetworks(ctx context.Context, withPrivate bool) (public, private string, err error) {
	priv, pub := edgehost.AppNetworks(t.App)
	if public, err = t.E.EnsureNetworkSpec(ctx, pub); err != nil {
		return "", "", err
	}
	if withPrivate {
		if private, err = t.E.EnsureNetworkSpec(ctx, priv); err != nil {
			return "", "", err
		}
	}
	return public, private, nil
}

// EdgeChange says what ensureEdge had to do.
type EdgeChange struct {
	Created  bool          // first start on this host
	Replaced bool          // a new valet binary or port: the old edge was replaced
	Gap      time.Duration // while replacing, how long nothing held the port
}

// findEdge returns the app's edge containers, oldest first.
func (t *Target) findEdge(ctx context.Context) ([]engine.ContainerInfo, error) {
	return t.E.ListByLabels(ctx, map[string]string{engine.LabelApp: t.App, LabelRole: "edge"})
}

// attachEdge points t at the running edge, or says there is none.
func (t *Target) attachEdge(ctx context.Context) (bool, error) {
	list, err := t.findEdge(ctx)
	if err != nil {
		return false, err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Running() {
			t.setEdge(list[i].ID)
			return true, nil
		}
	}
	return false, nil
}

// ensureEdge makes the app's edge container run spec: it starts one when
// there is none, restarts a stopped one, and replaces one running another
// image or port (create the new one, stop the old, start the new: the gap
// is measured).
func (t *Target) ensureEdge(ctx context.Context, spec edgeSpec) (EdgeChange, error) {
	var ch EdgeChange
	list, err := t.findEdge(ctx)
	if err != nil {
		return ch, err
	}
	var keep *engine.ContainerInfo
	var old []engine.ContainerInfo
	for i := range list {
		c := list[i]
		if c.Image == spec.Image && c.Labels[LabelPort] == strconv.Itoa(spec.Port) && c.Labels[LabelCluster] == spec.Cluster.label() &&
			keep == nil && c.State != "dead" {
			keep = &list[i]
			continue
		}
		old = append(old, c)
	}
	cli := t.E.Client()
	if keep != nil {
		for _, c := range old {
			_ = t.E.Remove(ctx, c.ID)
		}
		if !keep.Running() {
			if _, err := cli.ContainerStart(ctx, keep.ID, client.ContainerStartOptions{}); err != nil {
				return ch, fmt.Errorf("start the edge container on %s: %w", t.E.Host(), err)
			}
		}
		t.setEdge(keep.ID)
		return ch, t.waitEdge(ctx)
	}
	id, err := t.createEdge(ctx, spec)
	if err != nil {
		return ch, err
	}
	ch.Created = len(old) == 0
	ch.Replaced = len(old) > 0
	// The gap starts with the stop: the old edge stops accepting at once
	// (and finishes its requests), well before its container is gone.
	start := time.Now()
	for _, c := range old {
		if c.Running() {
			_ = t.E.Stop(ctx, c.ID, spec.stopTimeout())
		}
	}
	if _, err := cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		_ = t.E.Remove(ctx, id)
		for _, c := range old { // put the old edge back
			_, _ = cli.ContainerStart(context.WithoutCancel(ctx), c.ID, client.ContainerStartOptions{})
		}
		return ch, fmt.Errorf("start the edge container on %s: %w\n  Is port %d free on the host? Set deploy.port to another one", t.E.Host(), err, spec.Port)
	}
	t.setEdge(id)
	if err := t.waitEdge(ctx); err != nil {
		return ch, err
	}
	ch.Gap = time.Since(start)
	for _, c := range old {
		_ = t.E.Remove(ctx, c.ID)
	}
	return ch, nil
}

func (t *Target) createEdge(ctx context.Context, spec edgeSpec) (string, error) {
	netID, privateID, err := t.ensureNetworks(ctx, spec.Private)
	if err != nil {
		return "", err
	}
	port, _ := network.PortFrom(edgePort, network.TCP)
	ip, err := netip.ParseAddr(spec.BindIP)
	if err != nil {
		return "", fmt.Errorf("bind address %q: %w", spec.BindIP, err)
	}
	binds := []string{VolumeName(t.App) + ":" + edgehost.DefaultStateDir}
	env := []string{}
	if sock := engineSocket(t.E.Host()); sock != "" {
		// The edge starts the app's Durable Object containers on this engine.
		binds = append(binds, sock+":/var/run/docker.sock")
		env = append(env, "DOCKER_HOST=unix:///var/run/docker.sock")
	}
	exposed := network.PortSet{port: struct{}{}}
	bindings := network.PortMap{port: []network.PortBinding{{HostIP: ip, HostPort: strconv.Itoa(spec.Port)}}}
	labels := map[string]string{
		engine.LabelManaged: "true", engine.LabelApp: t.App, LabelRole: "edge",
		LabelPort: strconv.Itoa(spec.Port),
	}
	if c := spec.Cluster; c != nil {
		env = append(env, c.Host.Env()...)
		labels[LabelCluster] = c.label()
		if c.Publish != "" {
			// The cluster ports, on the host's private address only: peers
			// reach the instances there, and nothing else should.
			priv, err := netip.ParseAddr(c.Publish)
			if err != nil {
				return "", fmt.Errorf("private address %q: %w", c.Publish, err)
			}
			for p := c.Port; p < c.Port+clusterPortSpan; p++ {
				cp, _ := network.PortFrom(uint16(p), network.TCP)
				exposed[cp] = struct{}{}
				bindings[cp] = []network.PortBinding{{HostIP: priv, HostPort: strconv.Itoa(p)}}
			}
		}
	}
	stop := int(spec.stopTimeout().Seconds())
	name := fmt.Sprintf("valet-%s-edge-%d", engine.SafeName(t.App), time.Now().UnixMilli()%1e9)
	created, err := t.E.Client().ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: name,
		Config: &container.Config{
			Image:        spec.Image,
			Env:          env,
			ExposedPorts: exposed,
			Labels:       labels,
			StopTimeout:  &stop,
		},
		HostConfig: &container.HostConfig{
			NetworkMode:   container.NetworkMode(netID),
			Binds:         binds,
			RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
			PortBindings:  bindings,
			LogConfig:     container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "10m", "max-file": "3"}},
		},
	})
	if err != nil {
		return "", fmt.Errorf("create the edge container on %s: %w", t.E.Host(), err)
	}
	if privateID != "" {
		if _, err := t.E.Client().NetworkConnect(ctx, privateID, client.NetworkConnectOptions{Container: created.ID}); err != nil {
			_ = t.E.Remove(context.WithoutCancel(ctx), created.ID)
			return "", fmt.Errorf("connect the edge to the app's private network on %s: %w", t.E.Host(), err)
		}
	}
	return created.ID, nil
}

// waitEdge waits until the edge server answers on its control socket.
func (t *Target) waitEdge(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	delay := 10 * time.Millisecond
	for {
		res, err := t.edge(ctx, nil, "ping")
		if err == nil && res.Code == 0 {
			return nil
		}
		if st, ierr := t.E.Inspect(ctx, t.EdgeID()); ierr == nil && !st.Running {
			logs := t.tailLogs(ctx, t.EdgeID())
			return fmt.Errorf("the edge container on %s exited with code %d:\n%s", t.E.Host(), st.ExitCode, logs)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the edge container on %s did not answer within 15s: %v", t.E.Host(), describe(res, err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 200*time.Millisecond {
			delay *= 2
		}
	}
}

func describe(res *execResult, err error) string {
	if err != nil {
		return err.Error()
	}
	return string(res.Stderr)
}
