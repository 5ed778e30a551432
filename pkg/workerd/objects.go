package workerd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Objects is who runs each Durable Object among the workerd processes of one
// app on one machine (the versions of a dev session, or of a host during a
// deploy): one process at a time. A process asks for an object when it
// builds it (the facade's acquire); when another process holds it, Objects
// has the holder release it first: its calls in flight finish, its
// WebSockets close, and only then does the asker build the object, from the
// same storage. So no object ever runs in two versions at once, and the
// asker's requests wait rather than fail.
//
// In a workerd cluster (NewClusterObjects) workerd itself runs each object
// on one instance and forwards every request for it there, so Acquire
// grants at once: asking the holder to release would be wrong there. After
// a stopping instance hands an object to a peer, the peer builds it while
// the stopping one still counts as its holder here, and the release,
// sent through the control worker's stub, would be forwarded by the
// cluster to the peer itself.
type Objects struct {
	cluster bool

	mu     sync.Mutex
	owners map[objectKey]*Member
	locks  map[objectKey]*sync.Mutex
}

type objectKey struct{ class, id string }

// Member is one workerd process as Objects knows it.
type Member struct {
	objects *Objects
	name    string
	// release asks the process to let go of an object; nil once stopped.
	control func(ctx context.Context, class, id, op string) error

	mu      sync.Mutex
	stopped bool
}

// NewObjects returns an empty table.
func NewObjects() *Objects {
	return &Objects{owners: map[objectKey]*Member{}, locks: map[objectKey]*sync.Mutex{}}
}

// NewClusterObjects returns the table of processes that are instances of a
// workerd cluster: workerd decides where each object runs.
func NewClusterObjects() *Objects {
	o := NewObjects()
	o.cluster = true
	return o
}

// Cluster reports a table of a workerd cluster's instances.
func (o *Objects) Cluster() bool { return o.cluster }

// Join adds a process; control reaches its control worker.
func (o *Objects) Join(name string, control func(ctx context.Context, class, id, op string) error) *Member {
	return &Member{objects: o, name: name, control: control}
}

func (o *Objects) lock(k objectKey) *sync.Mutex {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.locks[k]
	if l == nil {
		l = &sync.Mutex{}
		o.locks[k] = l
	}
	return l
}

// Acquire makes m the owner of (class, id), taking it from its owner first.
// handoff is true when another process had it: the object may have state
// (an alarm) that process set and m's runtime has not seen.
func (m *Member) Acquire(ctx context.Context, class, id string) (handoff bool, err error) {
	o := m.objects
	if o.cluster {
		// workerd moves the object, its storage and its alarm itself.
		return false, nil
	}
	k := objectKey{class, id}
	l := o.lock(k)
	l.Lock()
	defer l.Unlock()
	if m.isStopped() {
		return false, errors.New("this version of the app is stopping")
	}
	o.mu.Lock()
	owner := o.owners[k]
	o.mu.Unlock()
	if owner == m {
		return false, nil
	}
	if owner != nil && !owner.isStopped() {
		if err := owner.control(ctx, class, id, "release"); err != nil && !owner.isStopped() {
			return false, fmt.Errorf("hand Durable Object %s %s over from version %s: %w", class, id, owner.name, err)
		}
	}
	o.mu.Lock()
	o.owners[k] = m
	o.mu.Unlock()
	return owner != nil, nil
}

func (m *Member) isStopped() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopped
}

// Leave drops m's objects (its process stopped or is about to) and returns
// them, so that the next owner can be woken for those with alarms.
func (m *Member) Leave() []ObjectRef {
	m.mu.Lock()
	m.stopped = true
	m.mu.Unlock()
	o := m.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []ObjectRef
	for k, owner := range o.owners {
		if owner == m {
			delete(o.owners, k)
			out = append(out, ObjectRef{Class: k.class, ID: k.id})
		}
	}
	return out
}

// Owned lists the objects m holds now.
func (m *Member) Owned() []ObjectRef {
	o := m.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []ObjectRef
	for k, owner := range o.owners {
		if owner == m {
			out = append(out, ObjectRef{Class: k.class, ID: k.id})
		}
	}
	return out
}

// ObjectRef names one Durable Object.
type ObjectRef struct{ Class, ID string }

// controlObject sends op (release, wake) for one object to a process's
// control worker.
func controlObject(client *http.Client) func(ctx context.Context, class, id, op string) error {
	return func(ctx context.Context, class, id, op string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			"http://valet/object?class="+urlQuery(class)+"&id="+urlQuery(id)+"&op="+urlQuery(op), nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", resp.Status, body)
		}
		return nil
	}
}
