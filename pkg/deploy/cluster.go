package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/events"
)

// Several hosts serve the app as one workerd cluster (deploy.cluster):
// each version on each host is one instance, its Durable Objects shared
// through the bucket, each run by one instance at a time and reached from
// any. valet keeps its versions on every host itself (files by hash,
// images by ID, as for one host) and gives each instance its whole config:
// it publishes nothing to the bucket's catalog (`workerd deploy`), since a
// catalog deployment may have no fromEnvironment binding (the app's
// secrets), no disk service and none of the services valet answers on the
// instance's sockets (assets, cache, containers, object ownership), and an
// instance reads the catalog only as it starts, which each instance of a
// new version does anyway.

// clusterTiming shortens workerd's cluster times on the edges, for tests.
type clusterTiming struct {
	UnsafeTimeDivisor int
	StopTimeout       time.Duration
}

// clusterPortSpan is how many ports each host's cluster takes, from
// deploy.cluster.port: a new version's instance listens on the one the
// version in service does not (edgehost.ClusterHost).
const clusterPortSpan = 2

// clusterEdge is how a host's edge container takes part in the cluster.
type clusterEdge struct {
	Host edgehost.ClusterHost // the edge's settings (its environment)
	// Publish is the private IP the cluster ports are published on; ""
	// publishes nothing (one host: its instances meet on loopback, inside
	// the edge container).
	Publish string
	Port    int
}

// label is what the edge container records of its cluster settings: a
// change replaces the edge.
func (c *clusterEdge) label() string {
	if c == nil {
		return ""
	}
	return strings.Join(c.Host.Env(), " ") + " publish=" + c.Publish
}

func (r *deployRun) noCluster() string {
	if r.opts.Cluster() == nil {
		return "one host, no deploy.cluster"
	}
	if r.opts.DryRun {
		return "dry run"
	}
	return ""
}

// checkCluster refuses what the hosts' cluster cannot run on, before
// anything is sent: several hosts without a bucket (the config refuses it
// too), a host of several without a private address, or one whose private
// address is a name (its ports are published on an IP).
func (r *deployRun) checkCluster(hosts []config.DeployHost) error {
	all := r.opts.deployConfig().HostList()
	if r.opts.Cluster() == nil {
		if len(all) > 1 {
			return fmt.Errorf("%d hosts in deploy.hosts share the app's Durable Objects through a bucket, and deploy.cluster names none", len(all))
		}
		return nil
	}
	for i, h := range hosts {
		if h.PrivateAddress == "" {
			if len(all) > 1 {
				return &HostError{Host: h.Host, Hosts: hostNames(all), Why: fmt.Sprintf(
					"deploy.hosts[%d] (%s) has no private_address: the hosts' instances reach each other there\n  Give each host its address on the private network they share (a VPC, WireGuard, Tailscale)", i, h.Host)}
			}
			continue
		}
		addr := r.opts.deployConfig().ClusterAddress(h)
		host, _, _ := net.SplitHostPort(addr)
		if _, err := netip.ParseAddr(host); err != nil {
			return &HostError{Host: h.Host, Hosts: hostNames(all), Why: fmt.Sprintf(
				"the private address %q of %s is a name: the edge publishes the cluster ports on an IP of the host\n  Give its IP on the private network instead", h.PrivateAddress, h.Host)}
		}
	}
	return nil
}

// clusterSpec is how h's edge joins the cluster (nil outside one).
func (r *deployRun) clusterSpec(h *hostRun) (*clusterEdge, error) {
	if r.opts.Cluster() == nil {
		return nil, nil
	}
	timing := r.opts.clusterTest
	host := edgehost.ClusterHost{UnsafeTimeDivisor: timing.UnsafeTimeDivisor, StopTimeout: timing.StopTimeout}
	addr := r.opts.deployConfig().ClusterAddress(h.cfg)
	if addr == "" {
		// One host on its own: its instances meet on loopback, inside the
		// edge container; nothing is published.
		port := config.DefaultClusterPort
		if c := r.opts.Cluster(); c.Port != 0 {
			port = c.Port
		}
		host.Addr = "127.0.0.1:" + strconv.Itoa(port)
		return &clusterEdge{Host: host, Port: port}, nil
	}
	ip, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port+clusterPortSpan-1 > 65535 {
		return nil, fmt.Errorf("cluster address %s of %s: the port and the next one must be ports", addr, h.cfg.Host)
	}
	// Inside the container the instances listen on every interface; the
	// container publishes the ports on the host's private address only.
	host.Addr, host.Advertise = "0.0.0.0:"+strconv.Itoa(port), ip
	return &clusterEdge{Host: host, Publish: ip, Port: port}, nil
}

// clusterSecrets gives every host the cluster key, generated once and
// kept as a secret (VALET_CLUSTER_KEY) on each, and checks that each host
// has the bucket's credentials (valet secret put puts them on all).
func (r *deployRun) clusterSecrets(ctx context.Context) error {
	type keyState struct {
		h      *hostRun
		digest string
		names  []string
	}
	states := make([]keyState, len(r.hosts))
	g, gctx := errgroup.WithContext(ctx)
	for i, h := range r.hosts {
		g.Go(func() error {
			d, err := h.t.secretDigest(gctx, config.SecretClusterKey)
			if err != nil {
				return err
			}
			names, err := h.t.secretNames(gctx)
			states[i] = keyState{h: h, digest: d, names: names}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if strings.HasPrefix(r.opts.Cluster().Bucket, "s3://") {
		var lacking []string
		for _, s := range states {
			have := map[string]bool{}
			for _, n := range s.names {
				have[n] = true
			}
			if !have[config.SecretClusterAccessKeyID] || !have[config.SecretClusterSecretAccessKey] {
				lacking = append(lacking, hostLabel(s.h.cfg.Host))
			}
		}
		if len(lacking) > 0 {
			return fmt.Errorf("the credentials of the cluster's bucket %s are not on %s\n"+
				"  Put them on every host: valet secret put %s, then valet secret put %s (the edges run now, so the secrets can be stored), and deploy again",
				r.opts.Cluster().Bucket, strings.Join(lacking, ", "), config.SecretClusterAccessKeyID, config.SecretClusterSecretAccessKey)
		}
	}
	byDigest := map[string][]string{}
	var lacking []*hostRun
	var holder *hostRun
	for _, s := range states {
		if s.digest == "" {
			lacking = append(lacking, s.h)
			continue
		}
		byDigest[s.digest] = append(byDigest[s.digest], hostLabel(s.h.cfg.Host))
		holder = s.h
	}
	if len(byDigest) > 1 {
		var groups []string
		for _, hs := range byDigest {
			groups = append(groups, strings.Join(hs, ", "))
		}
		sort.Strings(groups)
		return fmt.Errorf("the hosts hold different cluster keys (%s): %s; their instances could not reach each other\n"+
			"  Put one key on every host: valet secret put %s (at least 32 bytes, e.g. the output of openssl rand -hex 32)",
			config.SecretClusterKey, strings.Join(groups, " | "), config.SecretClusterKey)
	}
	if len(lacking) == 0 {
		return events.Skip("every host has the cluster key")
	}
	var key string
	if holder != nil {
		var err error
		if key, err = holder.t.clusterKey(ctx); err != nil {
			return err
		}
	} else {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		key = hex.EncodeToString(b)
	}
	for _, h := range lacking {
		if why := h.t.E.Insecure(); why != "" {
			return &InsecureError{Name: config.SecretClusterKey, Host: h.t.E.Host(), Why: why}
		}
		if err := h.t.putSecret(ctx, config.SecretClusterKey, key, nil); err != nil {
			return err
		}
	}
	what := "generated the cluster key and put it"
	if holder != nil {
		what = "put the cluster key of " + hostLabel(holder.cfg.Host)
	}
	r.em.Info(fmt.Sprintf("%s on %s (secret %s)", what, strings.Join(labels(lacking), ", "), config.SecretClusterKey))
	return nil
}

// heldLocks are the deploy locks of several hosts, taken in order; ctx ends
// when any of them is lost.
type heldLocks struct {
	ctx  context.Context
	held []*heldLock
}

// lockAll takes the deploy lock on each target in order: every client
// takes them in the config's order, so two never hold one each and wait.
// A refusal releases those taken.
func lockAll(ctx context.Context, ts []*Target, command string, em *events.Emitter) (*heldLocks, error) {
	l := &heldLocks{ctx: ctx}
	for _, t := range ts {
		// Each lock's context derives from the one before: losing any
		// ends the last, which the work runs under.
		h, err := t.acquire(l.ctx, command, em)
		if err != nil {
			l.release()
			return nil, err
		}
		l.held = append(l.held, h)
		l.ctx = h.ctx
	}
	return l, nil
}

func (l *heldLocks) release() {
	for i := len(l.held) - 1; i >= 0; i-- {
		l.held[i].release()
	}
	l.held = nil
}
