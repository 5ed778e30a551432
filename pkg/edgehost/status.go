package edgehost

import (
	"context"
	"time"
)

// Status is what `valet edge status` answers: the version in service, the
// versions running (one more while a switch checks or drains it) and, in a
// cluster, each one's readiness, the address its peers reach it at and the
// Durable Objects it built; with the bucket asked for, the cluster's own
// records of its instances and objects.
type Status struct {
	App       string      `json:"app,omitempty"`
	Active    string      `json:"active,omitempty"`
	Instances []Instance  `json:"instances"`
	Bucket    *BucketView `json:"bucket,omitempty"`
}

// Instance is one version running on the host.
type Instance struct {
	Version string    `json:"version"`
	Serving bool      `json:"serving"`
	Started time.Time `json:"started"`
	// Cluster is the address peers reach its cluster port at ("" outside a
	// cluster); Ready its readiness there (GET /ready), NotReady why not.
	Cluster  string `json:"cluster,omitempty"`
	Ready    bool   `json:"ready"`
	NotReady string `json:"not_ready,omitempty"`
	// Objects are the Durable Objects this instance built, and holds as
	// far as this host knows: in a cluster, a stopping instance hands its
	// objects to its peers, which build them there.
	Objects []ObjectRef `json:"objects,omitempty"`
}

// ObjectRef names one Durable Object.
type ObjectRef struct {
	Class string `json:"class"`
	ID    string `json:"id"`
}

// readyTimeout bounds one instance's readiness probe in a status.
const readyTimeout = 2 * time.Second

// Status reports the host's versions; withBucket reads the cluster's
// records in the bucket too (see BucketView). It does not wait for an
// activation in progress.
func (s *Server) Status(ctx context.Context, withBucket bool) *Status {
	st := &Status{Instances: []Instance{}}
	if state, err := s.store.Read(); err == nil {
		st.App, st.Active = state.App, state.Active
	}
	s.loadedMu.Lock()
	loaded := append([]*live(nil), s.loaded...)
	serving := s.serving
	s.loadedMu.Unlock()
	for _, l := range loaded {
		in := Instance{Version: l.id, Serving: l == serving, Started: l.started, Ready: true}
		if l.cluster != nil {
			in.Cluster = l.cluster.advertise
			rctx, cancel := context.WithTimeout(ctx, readyTimeout)
			if err := l.app.Ready(rctx); err != nil {
				in.Ready, in.NotReady = false, err.Error()
			}
			cancel()
		}
		for _, o := range l.app.Objects() {
			in.Objects = append(in.Objects, ObjectRef{Class: o.Class, ID: o.ID})
		}
		st.Instances = append(st.Instances, in)
	}
	if withBucket {
		st.Bucket = s.bucketView(ctx)
	}
	return st
}
