package deploy

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// VersionInfo is one line of `valet versions`.
type VersionInfo struct {
	edgehost.VersionRecord
	Active bool `json:"active"`
}

// Versions lists the versions kept on the host, newest first.
func Versions(ctx context.Context, c Conn) ([]VersionInfo, error) {
	t, err := c.attached(ctx)
	if err != nil {
		return nil, err
	}
	defer t.E.Close()
	st, err := t.State(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, 0, len(st.History))
	for _, r := range st.History {
		out = append(out, VersionInfo{VersionRecord: r, Active: r.ID == st.Active})
	}
	return out, nil
}

// RollbackResult is what a rollback did.
type RollbackResult struct {
	Version  string                `json:"version"`
	Previous string                `json:"previous"`
	Check    *edgehost.CheckResult `json:"check,omitempty"`
}

// Rollback switches the host back to version ("" = the one staged before
// the active one), with the same health check and drain as a deploy.
func Rollback(ctx context.Context, c Conn, version string, em *events.Emitter) (*RollbackResult, error) {
	t, err := c.attached(ctx)
	if err != nil {
		return nil, err
	}
	defer t.E.Close()
	held, err := t.acquire(ctx, "rollback", em)
	if err != nil {
		return nil, err
	}
	defer held.release()
	ctx = held.ctx
	st, err := t.State(ctx)
	if err != nil {
		return nil, err
	}
	if version == "" {
		version, err = previousVersion(st)
		if err != nil {
			return nil, err
		}
	} else if _, ok := st.Record(version); !ok {
		return nil, fmt.Errorf("version %s is not on %s; `valet versions` lists the ones kept", version, t.E.Host())
	}
	res := &RollbackResult{Version: version, Previous: st.Active}
	if version == st.Active {
		em.Info("version " + version + " is already serving")
		return res, nil
	}
	err = em.Step("switch", func() error {
		a, err := t.activate(ctx, version, st.Active)
		if a != nil {
			res.Check = a.Check
		}
		return lockCause(ctx, err)
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
	t, err := c.target(ctx)
	if err != nil {
		return nil, err
	}
	defer t.E.Close()
	// Every change to the host goes through a running edge, so with none
	// running nothing can be in progress, and there is no lock to take.
	running, err := t.attachEdge(ctx)
	if err != nil {
		return nil, err
	}
	if running {
		held, err := t.acquire(ctx, "destroy", em)
		if err != nil {
			return nil, err
		}
		// The lock goes with the volume; release finds no edge to unlock.
		defer held.release()
		ctx = held.ctx
	}
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
