package workerd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Objects is who runs each Durable Object among the workerd processes of one
// app on one machine (the versions of a dev session, or of a host during a
// deploy): one process at a time. A process asks for an object before it
// builds it (the facade's acquire); when another process holds it, Objects
// has the holder release it first: its calls in flight finish, its
// WebSockets close, and only then does the asker build the object, from the
// same storage. So no object ever runs in two versions at once, and the
// asker's requests wait rather than fail.
//
// Each grant of an object to a process has a number (epoch). A process may
// be asked to release a grant whose answer it has not seen yet (the asks
// cross): it then drops that grant when the answer arrives, and what the
// grant carried goes to the next owner. The facade confirms a grant once
// it adopted it (Adopted).
//
// Alarms follow their object. Each workerd schedules the alarms it loaded
// from storage when it started and those its own objects set since, so an
// alarm set in one process is unknown to another: the holder says, as it
// releases an object, which alarm it has, and the next owner sets it again
// in its own process (Handoff). One process is in service (SetServing; by
// default the one that joined last): only there may an alarm take an object
// from another process, so an alarm another process still has scheduled
// does not pull its object back into a version that is going away; and when
// a process leaves, the objects it held that have an alarm are woken in the
// process in service, whose scheduler then knows their alarms.
//
// In a workerd cluster (NewClusterObjects) workerd itself runs each object
// on one instance and forwards every request for it there, moving its
// storage and alarm with it, so Acquire grants at once: asking the holder to
// release would be wrong there. After a stopping instance hands an object to
// a peer, the peer builds it while the stopping one still counts as its
// holder here, and the release, sent through the control worker's stub,
// would be forwarded by the cluster to the peer itself.
type Objects struct {
	cluster bool

	mu      sync.Mutex
	owners  map[objectKey]*grant
	locks   map[objectKey]*sync.Mutex
	epoch   uint64
	members []*Member // joined and not left, in order
	serving *Member   // set by SetServing; nil: the last of members
	// pending holds what a process that left said about the objects it
	// held, for their next owner.
	pending map[objectKey]Handoff
}

type objectKey struct{ class, id string }

// grant is one object given to one process.
type grant struct {
	m       *Member
	epoch   uint64
	handed  Handoff // what the grant told the process
	adopted bool    // the process confirmed it
}

// Alarm is a Durable Object's alarm as its holder left it: At in ms since
// the epoch, or none.
type Alarm struct {
	Set bool
	At  int64
}

// Handoff is what Acquire tells an object's new owner.
type Handoff struct {
	Epoch uint64 // the grant's number
	// Moved: another process had the object since this one last had it.
	Moved bool
	// Alarm is the alarm the previous owner left, when Known; otherwise
	// (its process died holding the object) storage is the only record.
	Alarm Alarm
	Known bool
}

// ControlFunc sends op (release, wake) for one object, about grant epoch,
// to a process's control worker and returns its answer.
type ControlFunc func(ctx context.Context, class, id, op string, epoch uint64) ([]byte, error)

// Member is one workerd process as Objects knows it.
type Member struct {
	objects *Objects
	name    string
	control ControlFunc
	// granted runs as an object is granted to m, before anyone else may
	// ask for it (ContainerHandoff); nil: nothing to do.
	granted func(ctx context.Context, class, id string) error

	mu      sync.Mutex
	stopped bool
}

// NewObjects returns an empty table.
func NewObjects() *Objects {
	return &Objects{owners: map[objectKey]*grant{}, locks: map[objectKey]*sync.Mutex{}, pending: map[objectKey]Handoff{}}
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
func (o *Objects) Join(name string, control ControlFunc) *Member {
	m := &Member{objects: o, name: name, control: control}
	o.mu.Lock()
	o.members = append(o.members, m)
	o.mu.Unlock()
	return m
}

// Joined counts the processes joined and not left: they run on the same
// storage.
func (o *Objects) Joined() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.members)
}

// SetServing makes m the process in service: alarms run there, and the
// objects with alarms that left processes held are woken there.
func (o *Objects) SetServing(ctx context.Context, m *Member) {
	o.mu.Lock()
	o.serving = m
	var wake []ObjectRef
	for k, h := range o.pending {
		if h.Alarm.Set {
			wake = append(wake, ObjectRef{Class: k.class, ID: k.id, Alarm: h.Alarm})
		}
	}
	o.mu.Unlock()
	m.wake(ctx, wake)
}

func (o *Objects) servingMember() *Member {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.serving != nil {
		if o.serving.isStopped() {
			return nil
		}
		return o.serving
	}
	if n := len(o.members); n > 0 {
		return o.members[n-1]
	}
	return nil
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

// ErrNotServing refuses an alarm in a process that is not in service: the
// object's alarm runs in the one that is.
var ErrNotServing = errors.New("valet: this version is not in service; the Durable Object's alarm runs in the version that is")

// Acquire makes m the owner of (class, id), taking it from its owner first.
// forAlarm is an alarm of m's asking: refused (ErrNotServing) unless m owns
// the object or is in service.
func (m *Member) Acquire(ctx context.Context, class, id string, forAlarm bool) (Handoff, error) {
	o := m.objects
	if o.cluster {
		return m.acquireInCluster(ctx, class, id)
	}
	k := objectKey{class, id}
	l := o.lock(k)
	l.Lock()
	defer l.Unlock()
	if m.isStopped() {
		return Handoff{}, errors.New("this version of the app is stopping")
	}
	o.mu.Lock()
	g := o.owners[k]
	o.mu.Unlock()
	if g != nil && g.m == m {
		if g.adopted {
			return Handoff{Epoch: g.epoch}, nil
		}
		// Granted, but its facade never took it in (it was reset): the
		// grant's handoff still stands.
		return g.handed, nil
	}
	if forAlarm {
		if s := o.servingMember(); s != nil && s != m {
			return Handoff{}, ErrNotServing
		}
	}
	var h Handoff
	if g != nil {
		// Also a leaving owner: its process runs until Leave returns.
		var err error
		if h, err = g.release(ctx, k); err != nil {
			return Handoff{}, err
		}
	}
	if m.granted != nil {
		if err := m.granted(ctx, class, id); err != nil {
			return Handoff{}, err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if p, ok := o.pending[k]; ok && g == nil {
		h = p
	}
	delete(o.pending, k)
	o.epoch++
	h.Epoch = o.epoch
	o.owners[k] = &grant{m: m, epoch: h.Epoch, handed: h}
	return h, nil
}

// acquireInCluster grants (class, id) to m at once: workerd moves the
// object, its storage and its alarm itself. The grant is still recorded,
// as the object's last builder on this host: its container monitor answers
// there only (Holds), a container another image of the host left for it
// stops first (granted), and valet status names the object's class.
func (m *Member) acquireInCluster(ctx context.Context, class, id string) (Handoff, error) {
	o := m.objects
	k := objectKey{class, id}
	l := o.lock(k)
	l.Lock()
	defer l.Unlock()
	if m.granted != nil {
		if err := m.granted(ctx, class, id); err != nil {
			return Handoff{}, err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.epoch++
	o.owners[k] = &grant{m: m, epoch: o.epoch, adopted: true}
	return Handoff{Epoch: o.epoch}, nil
}

// Adopted records that m's facade took grant epoch of (class, id) in: from
// then on, what m says of the object as it releases it is the truth.
func (m *Member) Adopted(class, id string, epoch uint64) {
	o := m.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	if g := o.owners[objectKey{class, id}]; g != nil && g.m == m && g.epoch == epoch {
		g.adopted = true
	}
}

// Holds is true while m owns (class, id).
func (m *Member) Holds(class, id string) bool {
	o := m.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	g := o.owners[objectKey{class, id}]
	return g != nil && g.m == m
}

// release asks g's process to let go of the object and returns what its
// next owner must know. A process that died holding it leaves an unknown
// alarm; one that never took the grant in passes the grant's handoff on.
func (g *grant) release(ctx context.Context, k objectKey) (Handoff, error) {
	ctx, cancel := context.WithTimeout(ctx, releaseTimeout)
	defer cancel()
	body, err := g.m.control(ctx, k.class, k.id, "release", g.epoch)
	if err != nil {
		if g.m.isStopped() {
			return Handoff{Moved: true}, nil
		}
		return Handoff{}, fmt.Errorf("hand Durable Object %s %s over from version %s: %w", k.class, k.id, g.m.name, err)
	}
	var r struct {
		Adopted bool     `json:"adopted"`
		Alarm   *float64 `json:"alarm"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return Handoff{}, fmt.Errorf("hand Durable Object %s %s over from version %s: answer %q: %w", k.class, k.id, g.m.name, body, err)
	}
	g.m.objects.mu.Lock()
	adopted := g.adopted
	g.m.objects.mu.Unlock()
	if !r.Adopted && !adopted {
		h := g.handed
		h.Moved = true
		return h, nil
	}
	h := Handoff{Moved: true, Known: true}
	if r.Alarm != nil {
		h.Alarm = Alarm{Set: true, At: int64(*r.Alarm)}
	}
	return h, nil
}

// releaseTimeout bounds a release: the holder's calls in flight must end.
const releaseTimeout = 30 * time.Second

func (m *Member) isStopped() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopped
}

// Leave is m's process about to stop (its requests drained): m takes no
// object any more, releases those it holds (learning their alarms), and
// wakes the ones with an alarm in the process in service, which then runs
// that alarm. Without a process in service (or when it fails), the alarm
// waits for the next owner or SetServing. With no other process joined
// (valet stopping), nothing is released. Leave returns the objects m held.
func (m *Member) Leave(ctx context.Context) []ObjectRef {
	m.mu.Lock()
	m.stopped = true
	m.mu.Unlock()
	o := m.objects
	o.mu.Lock()
	var held []objectKey
	for k, g := range o.owners {
		if g.m == m {
			held = append(held, k)
		}
	}
	for i, x := range o.members {
		if x == m {
			o.members = append(o.members[:i:i], o.members[i+1:]...)
			break
		}
	}
	if len(o.members) == 0 || o.cluster {
		// No process to hand anything to (valet is stopping): the next
		// one to start reads the objects' alarms from storage. In a
		// cluster, workerd hands them over itself.
		out := make([]ObjectRef, len(held))
		for i, k := range held {
			delete(o.owners, k)
			out[i] = ObjectRef{Class: k.class, ID: k.id}
		}
		o.mu.Unlock()
		return out
	}
	o.mu.Unlock()

	out := make([]ObjectRef, len(held))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, k := range held {
		out[i] = ObjectRef{Class: k.class, ID: k.id}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			l := o.lock(k)
			l.Lock()
			defer l.Unlock()
			o.mu.Lock()
			g := o.owners[k]
			o.mu.Unlock()
			if g == nil || g.m != m {
				return // another process took it meanwhile
			}
			h, err := g.release(ctx, k)
			if err != nil {
				h = Handoff{Moved: true} // unknown: storage says
			}
			out[i].Alarm = h.Alarm
			o.mu.Lock()
			delete(o.owners, k)
			o.pending[k] = h
			o.mu.Unlock()
		}()
	}
	wg.Wait()
	var wake []ObjectRef
	for _, r := range out {
		if r.Alarm.Set {
			wake = append(wake, r)
		}
	}
	if s := o.servingMember(); s != nil && s != m {
		s.wake(ctx, wake)
	}
	return out
}

// wake has m's process own each object, which sets its alarm there.
func (m *Member) wake(ctx context.Context, refs []ObjectRef) {
	if m == nil || len(refs) == 0 {
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, r := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			wctx, cancel := context.WithTimeout(ctx, releaseTimeout)
			defer cancel()
			// A failure leaves the alarm pending: the object's next owner,
			// or the next process put in service, sets it.
			_, _ = m.control(wctx, r.Class, r.ID, "wake", 0)
		}()
	}
	wg.Wait()
}

// Held reports whether a process of the table holds (class, id) now.
func (o *Objects) Held(class, id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.owners[objectKey{class, id}] != nil
}

// Owned lists the objects m holds now.
func (m *Member) Owned() []ObjectRef {
	o := m.objects
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []ObjectRef
	for k, g := range o.owners {
		if g.m == m {
			out = append(out, ObjectRef{Class: k.class, ID: k.id})
		}
	}
	return out
}

// ObjectRef names one Durable Object, with the alarm its holder left.
type ObjectRef struct {
	Class, ID string
	Alarm     Alarm
}

// controlObject sends op (release, wake) for one object to a process's
// control worker.
func controlObject(client *http.Client) ControlFunc {
	return func(ctx context.Context, class, id, op string, epoch uint64) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			"http://valet/object?class="+urlQuery(class)+"&id="+urlQuery(id)+"&op="+urlQuery(op)+"&epoch="+strconv.FormatUint(epoch, 10), nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: %s", resp.Status, body)
		}
		return body, nil
	}
}
