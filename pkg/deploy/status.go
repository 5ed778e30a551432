package deploy

import (
	"context"
	"sort"
	"time"

	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/edgehost"
)

// StatusResult is what valet status shows: each host (its edge, the
// version it serves, its readiness), the cluster's instances and where
// the Durable Objects live.
//
// Where an object lives comes from the cluster's bucket when there is
// one: workerd records each object's owner there, with a lease per
// instance, so that record is the truth, a dead instance's objects
// included. valet reads it through one host's edge (which holds the
// bucket's credentials) and names each owner's host and version by the
// address the instances advertise; the class comes from the edges'
// bridges, which see each object as an instance builds it. Without a
// cluster, from the one host's edge: the objects its versions built.
type StatusResult struct {
	App     string        `json:"app"`
	Bucket  string        `json:"bucket,omitempty"`
	Hosts   []HostStatus  `json:"hosts"`
	Members []Member      `json:"instances,omitempty"`
	Objects []ObjectPlace `json:"objects"`
	// Truncated: the bucket held more objects than valet lists.
	Truncated   bool   `json:"truncated,omitempty"`
	BucketError string `json:"bucket_error,omitempty"`
	// Read is when the bucket was read (by the reading edge's clock).
	Read time.Time `json:"read,omitzero"`
}

// HostStatus is one host.
type HostStatus struct {
	Host           string `json:"host"`
	PrivateAddress string `json:"private_address,omitempty"`
	// Edge is the edge container's state: running, restarting, exited,
	// none (not deployed), unreachable (Error says why).
	Edge         string    `json:"edge"`
	EdgeStarted  time.Time `json:"edge_started,omitzero"`
	EdgeRestarts int       `json:"edge_restarts,omitempty"`
	Error        string    `json:"error,omitempty"`
	Active       string    `json:"active,omitempty"`
	// Ready: the version in service runs (in a cluster: it holds its lease
	// and answers GET /ready on its cluster port).
	Ready     bool                `json:"ready"`
	Instances []edgehost.Instance `json:"versions,omitempty"`
}

// Member is one instance the cluster's bucket knows.
type Member struct {
	Address  string    `json:"address"`
	Host     string    `json:"host,omitempty"`    // "" when no host advertises it now
	Version  string    `json:"version,omitempty"` // of the instance at that address now
	Expires  time.Time `json:"lease_expires"`
	Draining bool      `json:"draining,omitempty"`
	// Expired: the lease ran out; the instance is gone (killed, or cut off
	// from the bucket), and its objects go to the next instance asked.
	Expired bool `json:"expired,omitempty"`
}

// ObjectPlace is where one Durable Object lives.
type ObjectPlace struct {
	Class   string `json:"class,omitempty"`
	ID      string `json:"id"`
	Host    string `json:"host,omitempty"`
	Version string `json:"version,omitempty"`
	// Instance is its owner's cluster address; Epoch the ownership's
	// number in the bucket (bumped at each takeover).
	Instance string `json:"instance,omitempty"`
	Epoch    int64  `json:"epoch,omitempty"`
	// State: running (an instance owns it), released (nobody: the next
	// request claims it), owner gone (its owner's lease expired: the next
	// request takes it over), owner unknown (no record of its owner).
	State string `json:"state"`
}

// Status reads every host's edge and, in a cluster, the bucket's records
// through the first edge that answers. A host that cannot be reached is
// shown as such, not an error.
func Status(ctx context.Context, c Conn) (*StatusResult, error) {
	hosts, err := c.Hosts()
	if err != nil {
		return nil, err
	}
	// Objects is [] rather than null in JSON when none has run, so that
	// `.objects[]` in jq gives nothing instead of an error.
	res := &StatusResult{App: c.App(), Hosts: make([]HostStatus, len(hosts)), Objects: []ObjectPlace{}}
	if cl := c.Cluster(); cl != nil {
		res.Bucket = cl.Bucket
	}
	statuses := make([]*edgehost.Status, len(hosts))
	targets := make([]*Target, len(hosts))
	defer func() { closeAll(nonNil(targets)) }()
	g, gctx := errgroup.WithContext(ctx)
	for i, h := range hosts {
		g.Go(func() error {
			hs := &res.Hosts[i]
			hs.Host, hs.PrivateAddress = h.Host, h.PrivateAddress
			t, err := c.targetAt(gctx, h)
			if err != nil {
				hs.Edge, hs.Error = "unreachable", err.Error()
				return nil
			}
			targets[i] = t
			statuses[i] = t.hostStatus(gctx, hs)
			return nil
		})
	}
	_ = g.Wait()
	if res.Bucket != "" {
		for i, st := range statuses {
			if st != nil {
				var withBucket edgehost.Status
				if err := targets[i].edgeOK(ctx, &withBucket, "status", "--bucket"); err == nil && withBucket.Bucket != nil {
					res.place(statuses, withBucket.Bucket)
					break
				}
			}
		}
		if res.Read.IsZero() && res.BucketError == "" {
			res.BucketError = "no host's edge could read the bucket"
		}
	}
	if res.Bucket == "" || res.Read.IsZero() {
		res.placeLocally(statuses)
	}
	return res, nil
}

func nonNil(ts []*Target) []*Target {
	var out []*Target
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// hostStatus fills hs from the host's edge container and its answer to
// `valet edge status` (nil when it gave none).
func (t *Target) hostStatus(ctx context.Context, hs *HostStatus) *edgehost.Status {
	list, err := t.findEdge(ctx)
	if err != nil {
		hs.Edge, hs.Error = "unreachable", err.Error()
		return nil
	}
	if len(list) == 0 {
		hs.Edge = "none"
		return nil
	}
	ci := list[len(list)-1]
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Running() {
			ci = list[i]
			break
		}
	}
	hs.Edge = ci.State
	if ins, err := t.E.Client().ContainerInspect(ctx, ci.ID, client.ContainerInspectOptions{}); err == nil {
		hs.EdgeRestarts = ins.Container.RestartCount
		if s := ins.Container.State; s != nil {
			hs.EdgeStarted, _ = time.Parse(time.RFC3339Nano, s.StartedAt)
		}
	}
	if !ci.Running() {
		return nil
	}
	t.setEdge(ci.ID)
	var st edgehost.Status
	if err := t.edgeOK(ctx, &st, "status"); err != nil {
		hs.Error = err.Error()
		return nil
	}
	hs.Active, hs.Instances = st.Active, st.Instances
	for _, in := range st.Instances {
		if in.Serving {
			hs.Ready = in.Ready
		}
	}
	return &st
}

// place names where each object of the bucket's records lives.
func (r *StatusResult) place(statuses []*edgehost.Status, b *edgehost.BucketView) {
	r.Read, r.Truncated, r.BucketError = b.Read, b.Truncated, b.Error
	type where struct{ host, version string }
	byAddr := map[string]where{}
	classOf := map[string]string{}
	for i, st := range statuses {
		if st == nil {
			continue
		}
		for _, in := range st.Instances {
			if in.Cluster != "" {
				byAddr[in.Cluster] = where{r.Hosts[i].Host, in.Version}
			}
			for _, o := range in.Objects {
				classOf[o.ID] = o.Class
			}
		}
	}
	// An object's namespace says its class for every object in it once
	// any instance has seen one of them.
	nsClass := map[string]string{}
	for _, o := range b.Objects {
		if c := classOf[o.ID]; c != "" {
			nsClass[o.Namespace] = c
		}
	}
	nodes := map[string]edgehost.BucketNode{}
	for _, n := range b.Nodes {
		nodes[n.Node] = n
		w := byAddr[n.Address]
		r.Members = append(r.Members, Member{Address: n.Address, Host: w.host, Version: w.version, Expires: n.Expires,
			Draining: n.Draining, Expired: n.Expires.Before(b.Read)})
	}
	for _, o := range b.Objects {
		p := ObjectPlace{Class: nsClass[o.Namespace], ID: o.ID, Epoch: o.Epoch}
		if c := classOf[o.ID]; c != "" {
			p.Class = c
		}
		n, known := nodes[o.Node]
		switch {
		case o.Node == "":
			p.State = "released"
		case !known:
			p.State = "owner unknown"
		case n.Expires.Before(b.Read):
			p.State, p.Instance = "owner gone", n.Address
		default:
			w := byAddr[n.Address]
			p.State, p.Instance, p.Host, p.Version = "running", n.Address, w.host, w.version
		}
		r.Objects = append(r.Objects, p)
	}
	sort.SliceStable(r.Objects, func(i, j int) bool {
		if r.Objects[i].Class != r.Objects[j].Class {
			return r.Objects[i].Class < r.Objects[j].Class
		}
		return r.Objects[i].ID < r.Objects[j].ID
	})
}

// placeLocally lists the objects the hosts' versions built, without a
// bucket to ask.
func (r *StatusResult) placeLocally(statuses []*edgehost.Status) {
	for i, st := range statuses {
		if st == nil {
			continue
		}
		for _, in := range st.Instances {
			for _, o := range in.Objects {
				r.Objects = append(r.Objects, ObjectPlace{Class: o.Class, ID: o.ID, Host: r.Hosts[i].Host, Version: in.Version,
					Instance: in.Cluster, State: "running"})
			}
		}
	}
}
