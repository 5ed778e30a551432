package deploy

import (
	"context"
	"fmt"
	"sort"

	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// VersionInfo is one line of `valet versions`.
type VersionInfo struct {
	edgehost.VersionRecord
	// Active: the version serves on every host.
	Active bool `json:"active"`
	// KeptOn and ActiveOn name the hosts that keep it and serve it (with
	// several hosts).
	KeptOn   []string `json:"kept_on,omitempty"`
	ActiveOn []string `json:"active_on,omitempty"`
}

// Versions lists the versions kept on the hosts, newest first: with
// several hosts, each version once, with the hosts that keep it and those
// that serve it.
func Versions(ctx context.Context, c Conn) ([]VersionInfo, error) {
	ts, err := c.attachAll(ctx)
	if err != nil {
		return nil, err
	}
	defer closeAll(ts)
	states, err := statesOf(ctx, ts)
	if err != nil {
		return nil, err
	}
	byID := map[string]*VersionInfo{}
	var out []*VersionInfo
	for i, st := range states {
		for _, r := range st.History {
			v := byID[r.ID]
			if v == nil {
				v = &VersionInfo{VersionRecord: r}
				byID[r.ID] = v
				out = append(out, v)
			}
			if r.Created.After(v.Created) {
				v.Created = r.Created
			}
			if r.Activated.After(v.Activated) {
				v.Activated = r.Activated
			}
			if len(ts) > 1 {
				v.KeptOn = append(v.KeptOn, hostLabel(ts[i].E.Host()))
			}
			if r.ID == st.Active {
				v.ActiveOn = append(v.ActiveOn, hostLabel(ts[i].E.Host()))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	res := make([]VersionInfo, len(out))
	for i, v := range out {
		v.Active = len(v.ActiveOn) == len(ts)
		if len(ts) == 1 {
			v.ActiveOn = nil
		}
		res[i] = *v
	}
	return res, nil
}

// statesOf reads every host's state.json.
func statesOf(ctx context.Context, ts []*Target) ([]*edgehost.State, error) {
	states := make([]*edgehost.State, len(ts))
	g, gctx := errgroup.WithContext(ctx)
	for i, t := range ts {
		g.Go(func() error {
			st, err := t.State(gctx)
			states[i] = st
			return err
		})
	}
	return states, g.Wait()
}

// RollbackResult is what a rollback did.
type RollbackResult struct {
	Version  string                `json:"version"`
	Previous string                `json:"previous"`
	Check    *edgehost.CheckResult `json:"check,omitempty"`
	// Hosts are the hosts switched back, in order.
	Hosts []string `json:"hosts,omitempty"`
}

// Rollback switches the hosts back to version ("" = the one staged before
// the active one), with the same health check and drain as a deploy, one
// host at a time; a host that fails stops it, and those switched before it
// go back to what they served.
func Rollback(ctx context.Context, c Conn, version string, em *events.Emitter) (*RollbackResult, error) {
	ts, err := c.attachAll(ctx)
	if err != nil {
		return nil, err
	}
	defer closeAll(ts)
	locks, err := lockAll(ctx, ts, "rollback", em)
	if err != nil {
		return nil, err
	}
	defer locks.release()
	ctx = locks.ctx
	states, err := statesOf(ctx, ts)
	if err != nil {
		return nil, err
	}
	active := states[0].Active
	for i, st := range states[1:] {
		if st.Active != active && version == "" {
			return nil, fmt.Errorf("the hosts serve different versions (%s serves %s, %s serves %s): name the version to roll back to, valet rollback VERSION (valet versions lists them)",
				hostLabel(ts[0].E.Host()), orNone(active), hostLabel(ts[i+1].E.Host()), orNone(st.Active))
		}
	}
	if version == "" {
		if version, err = previousVersion(states[0]); err != nil {
			return nil, err
		}
	}
	for i, st := range states {
		if _, ok := st.Record(version); !ok {
			return nil, fmt.Errorf("version %s is not on %s; `valet versions` lists the ones kept", version, ts[i].E.Host())
		}
	}
	res := &RollbackResult{Version: version, Previous: active}
	var todo []int
	for i, st := range states {
		if st.Active != version {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		em.Info("version " + version + " is already serving")
		return res, nil
	}
	err = em.Step("switch", func() error {
		var done []int
		for _, i := range todo {
			a, err := ts[i].activate(ctx, version, states[i].Active)
			if a != nil && res.Check == nil {
				res.Check = a.Check
			}
			if err != nil {
				for k := len(done) - 1; k >= 0; k-- {
					j := done[k]
					if states[j].Active != "" {
						if _, uerr := ts[j].activate(ctx, states[j].Active, version); uerr == nil {
							em.Warn(fmt.Sprintf("%s switched back to %s", hostLabel(ts[j].E.Host()), states[j].Active))
						}
					}
				}
				return lockCause(ctx, err)
			}
			done = append(done, i)
			res.Hosts = append(res.Hosts, hostLabel(ts[i].E.Host()))
			if len(ts) > 1 {
				em.Info(fmt.Sprintf("%s serves %s", hostLabel(ts[i].E.Host()), version))
			}
		}
		return nil
	})
	return res, err
}

func previousVersion(st *edgehost.State) (string, error) {
	for i, r := range st.History {
		if r.ID == st.Active {
			if i+1 < len(st.History) {
				return st.History[i+1].ID, nil
			}
			break
		}
	}
	return "", fmt.Errorf("there is no version before %s to roll back to; `valet versions` lists the ones kept", orNone(st.Active))
}

// DestroyResult counts what Destroy removed.
type DestroyResult struct {
	Containers int  `json:"containers"` // all of them, the edge included
	Objects    int  `json:"objects"`    // of them, Durable Objects' containers
	Networks   int  `json:"networks"`
	Volume     bool `json:"volume"`
	Images     int  `json:"images"`
	Hosts      int  `json:"hosts"`
	// Bucket is the cluster's bucket, which destroy leaves as it is: it
	// holds the Durable Objects' storage, and valet has no right to it.
	Bucket string `json:"bucket,omitempty"`
}

// Destroy removes every container of the app from the host (the edge, then
// its Durable Objects' containers), the state volume, the app's networks
// and its images. The edge image stays: other apps share it. It takes the
// deploy lock first: a deploy, rollback or secret change in progress
// refuses it (*LockedError). em (nil: none) gets its warnings.
func Destroy(ctx context.Context, c Conn, em *events.Emitter) (*DestroyResult, error) {
	if em == nil {
		em = events.NewEmitter(nil)
	}
	hosts, err := c.Hosts()
	if err != nil {
		return nil, err
	}
	var ts []*Target
	defer func() { closeAll(ts) }()
	// Every change to a host goes through a running edge, so with none
	// running nothing can be in progress there, and there is no lock to
	// take. The locks of all hosts come first: none is destroyed while
	// another command holds one of them.
	var running []*Target
	for _, h := range hosts {
		t, err := c.targetAt(ctx, h)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		ok, err := t.attachEdge(ctx)
		if err != nil {
			return nil, err
		}
		if ok {
			running = append(running, t)
		}
	}
	locks, err := lockAll(ctx, running, "destroy", em)
	if err != nil {
		return nil, err
	}
	// The locks go with the volumes; release finds no edge to unlock.
	defer locks.release()
	ctx = locks.ctx
	res := &DestroyResult{}
	for _, t := range ts {
		one, err := destroyOn(ctx, t)
		res.add(one)
		if err != nil {
			return res, err
		}
	}
	if cl := c.Cluster(); cl != nil {
		res.Bucket = cl.Bucket
	}
	return res, nil
}

func (r *DestroyResult) add(o *DestroyResult) {
	if o == nil {
		return
	}
	r.Containers += o.Containers
	r.Objects += o.Objects
	r.Networks += o.Networks
	r.Volume = r.Volume || o.Volume
	r.Images += o.Images
	r.Hosts++
}

// destroyOn removes the app from one host, under its lock.
func destroyOn(ctx context.Context, t *Target) (*DestroyResult, error) {
	res := &DestroyResult{}
	// The edge first: once it is gone nothing starts a Durable Object's
	// container any more, so the sweep that follows leaves none behind.
	n, err := t.E.Sweep(ctx, map[string]string{engine.LabelApp: t.App, LabelRole: "edge"})
	res.Containers = n
	if err != nil {
		return res, err
	}
	// Twice: a container the edge was creating as it died shows up late.
	for i := 0; i < 2; i++ {
		n, err = t.E.Sweep(ctx, map[string]string{engine.LabelApp: t.App})
		res.Containers += n
		res.Objects += n
		if err != nil {
			return res, err
		}
	}
	// Its networks, once nothing is on them.
	if res.Networks, err = t.E.RemoveNetworks(ctx, map[string]string{engine.LabelApp: t.App}); err != nil {
		return res, err
	}
	cli := t.E.Client()
	if _, err := cli.VolumeRemove(ctx, VolumeName(t.App), client.VolumeRemoveOptions{Force: true}); err == nil {
		res.Volume = true
	} else if !engine.IsNotFound(err) {
		return res, fmt.Errorf("remove volume %s on %s: %w", VolumeName(t.App), t.E.Host(), err)
	}
	imgs, err := cli.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", engine.LabelApp+"="+t.App)})
	if err != nil {
		return res, fmt.Errorf("list images of %s on %s: %w", t.App, t.E.Host(), err)
	}
	for _, im := range imgs.Items {
		if err := t.E.RemoveImage(ctx, im.ID, true); err == nil {
			res.Images++
		}
	}
	return res, nil
}
