package edgehost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/valet-dev/valet/pkg/containers"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// containerPool holds the containers of the app's Durable Objects for every
// version loaded on the host, so that a container follows its object from
// version to version: one containers.Manager per class and image, shared by
// the versions built with that image. An object that moves to a version
// with the same image for its class keeps its container; one that moves to
// a version with another image has its container stopped before the new
// version runs it (Handoff), which then starts its own. A manager goes, with
// its containers, when no loaded version uses its image any more.
type containerPool struct {
	mu       sync.Mutex
	managers map[poolKey]*pooled
}

type poolKey struct{ class, image string }

// pooled is one manager and the versions using it.
type pooled struct {
	mgr  *containers.Manager
	refs int
	sink *fanSink
}

func newContainerPool() *containerPool {
	return &containerPool{managers: map[poolKey]*pooled{}}
}

// versionContainers is one loaded version's containers (workerd.Containers).
type versionContainers struct {
	pool    *containerPool
	byClass map[string]*pooled
	sink    *logSink

	closeOnce sync.Once
}

// poolOptions say how a version's managers are made.
type poolOptions struct {
	Engine *edgeEngine
	// Network is the app's private network, EgressNetwork its public one
	// (see AppNetworks).
	Network, EgressNetwork string
	App                    string
	Version                string
	Classes                map[string]containers.Class
	Sink                   *logSink // the version's log: its containers' lines in its tail
	Seq                    func() int
}

// use returns the version's view of the pool, making the managers its
// images need.
func (p *containerPool) use(o poolOptions) *versionContainers {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := &versionContainers{pool: p, byClass: map[string]*pooled{}, sink: o.Sink}
	for class, c := range o.Classes {
		k := poolKey{class, c.Image}
		pl := p.managers[k]
		if pl == nil {
			seq := o.Seq()
			short := shortImage(c.Image)
			if len(short) > 8 {
				short = short[:8]
			}
			pl = &pooled{sink: &fanSink{}}
			pl.mgr = containers.New(containers.Options{
				Engine: o.Engine, App: o.App, Classes: map[string]containers.Class{class: c},
				Events: events.NewEmitter(pl.sink), Network: o.Network, EgressNetwork: o.EgressNetwork,
				Session:    fmt.Sprintf("deploy-%s-%d-%d", short, os.Getpid(), seq),
				Labels:     map[string]string{LabelRole: RoleDurable, engine.LabelVersion: o.Version},
				NameSuffix: fmt.Sprintf("%s-%d", short, seq),
				// The edge is a container on Network: 127.0.0.1 is itself.
				ByNetworkAddress: true,
			})
			p.managers[k] = pl
		}
		pl.refs++
		pl.sink.add(o.Sink)
		v.byClass[class] = pl
	}
	return v
}

// For implements workerd.Containers.
func (v *versionContainers) For(class, id string) *containers.Instance {
	pl := v.byClass[class]
	if pl == nil {
		return nil
	}
	return pl.mgr.For(class, id)
}

// stop stops the object's container, if it runs: the object left the
// host (a cluster's instance handed it to another host's as it stopped).
func (v *versionContainers) stop(ctx context.Context, class, id string) error {
	if v == nil {
		return nil
	}
	if in := v.For(class, id); in != nil && in.Running() {
		if err := in.Destroy(ctx); err != nil {
			return fmt.Errorf("stop the container of %s %s, which left the host: %w", class, id, err)
		}
	}
	return nil
}

// Handoff stops the object's container in the managers of the class's
// other images, as the object is now this version's: at most one container
// per object, from the image of the version that runs it.
func (v *versionContainers) Handoff(ctx context.Context, class, id string) error {
	mine := v.byClass[class]
	if mine == nil {
		return nil
	}
	v.pool.mu.Lock()
	var others []*containers.Manager
	for k, pl := range v.pool.managers {
		if k.class == class && pl != mine {
			others = append(others, pl.mgr)
		}
	}
	v.pool.mu.Unlock()
	for _, m := range others {
		if in := m.For(class, id); in != nil && in.Running() {
			if err := in.Destroy(ctx); err != nil {
				return fmt.Errorf("stop the container of %s %s started from another image: %w", class, id, err)
			}
		}
	}
	return nil
}

// close gives the version's managers back; those no version uses any more
// remove their containers.
func (v *versionContainers) close() error {
	if v == nil {
		return nil
	}
	var errs []error
	v.closeOnce.Do(func() {
		var done []*containers.Manager
		v.pool.mu.Lock()
		for _, pl := range v.byClass {
			pl.sink.remove(v.sink)
			if pl.refs--; pl.refs == 0 {
				done = append(done, pl.mgr)
				for k, x := range v.pool.managers {
					if x == pl {
						delete(v.pool.managers, k)
					}
				}
			}
		}
		v.pool.mu.Unlock()
		for _, m := range done {
			errs = append(errs, closeManager(m))
		}
	})
	return errors.Join(errs...)
}

// closeManager removes every container of a manager no version uses.
func closeManager(mgr *containers.Manager) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := mgr.Close(ctx)
	// A container a handoff was stopping is gone all the same.
	if err != nil && !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "already in progress") {
		return fmt.Errorf("remove the containers of the old version: %w", err)
	}
	return nil
}

// fanSink passes a shared manager's events to the versions using it: the
// newest writes them to the edge's log, the others keep them in their tail
// (a failed health check shows the containers it started).
type fanSink struct {
	mu    sync.Mutex
	sinks []*logSink
}

func (f *fanSink) add(s *logSink) {
	f.mu.Lock()
	f.sinks = append(f.sinks, s)
	f.mu.Unlock()
}

func (f *fanSink) remove(s *logSink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.sinks {
		if x == s {
			f.sinks = append(f.sinks[:i:i], f.sinks[i+1:]...)
			return
		}
	}
}

// Emit implements events.Sink.
func (f *fanSink) Emit(e events.Event) {
	f.mu.Lock()
	sinks := append([]*logSink(nil), f.sinks...)
	f.mu.Unlock()
	for i, s := range sinks {
		if i == len(sinks)-1 {
			s.Emit(e)
		} else {
			s.keep(e)
		}
	}
}
