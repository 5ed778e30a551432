// Package containers runs the containers behind Durable Objects on a Docker
// Engine: one container per object instance, started on demand through the
// Engine API, labelled with app, class, object and session so that valet
// removes every one of them on exit and sweeps a killed session's left-overs
// at the next start.
package containers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/proc"
)

// LabelDev marks containers of `valet dev` sessions (not of deploys), so
// that a sweep at dev start never touches a deployed app on the same engine.
const LabelDev = "dev.valet.dev"

// LabelOwner is the `valet dev` process that started a container
// (proc.ID: host/pid/start), so that a sweep tells a session still
// running from one that was killed.
const LabelOwner = "dev.valet.owner"

// msgNoInstance is Cloudflare's answer when no container can be had (all of
// max_instances run); the @cloudflare/containers package recognises it
// (lowercased, as a substring) and answers 503.
const msgNoInstance = "there is no container instance that can be provided to this durable object"

// Class is the container configuration of one Durable Object class.
type Class struct {
	Image        string // image reference or ID (built by pkg/build)
	MaxInstances int    // 0: no limit
}

// Options configure a Manager.
type Options struct {
	Engine  engine.API
	App     string
	Session string // labels this run's containers; default: a timestamp
	Classes map[string]Class
	Events  *events.Emitter
	Network string // "" is engine.DefaultNetwork
	// EgressNetwork, when set, makes Network the app's own internal
	// network, where every container runs and is reached (with
	// ByNetworkAddress); a container started with enableInternet also
	// joins EgressNetwork, for its route out. Unset (valet dev), a
	// container without internet moves to engine.InternalNetwork instead.
	EgressNetwork string
	// Dev adds LabelDev (valet dev's containers).
	Dev bool
	// Labels are added to every container (a deployed edge marks its
	// objects' containers with the version, for destroy and its own sweep).
	Labels map[string]string
	// NameSuffix ends every container's name. Two managers of one app that
	// live at once (a deployed edge switching versions) each need their
	// own names, or the new one's start would replace the old one's
	// container while it still serves. With Dev, unset is one derived
	// from Session (two valet dev of one app run side by side).
	NameSuffix string
	// ByNetworkAddress reaches containers by their address on Network
	// instead of ports published on 127.0.0.1. A deployed edge, itself a
	// container on that network, sets it; valet dev leaves it off so that
	// everything it dials is on loopback.
	ByNetworkAddress bool
}

// Manager owns the containers of one app session.
type Manager struct {
	opts  Options
	owner string // this process, for LabelOwner (valet dev)

	mu        sync.Mutex
	instances map[string]*Instance // "Class/id"
	active    map[string]int       // class → starting or running containers
	warned    map[string]bool      // warnings given once per session
	closed    bool
	launches  sync.WaitGroup
	ctx       context.Context
	cancel    context.CancelFunc
	// noDirect: this host cannot reach the containers' own network
	// addresses (Docker Desktop, rootless dockerd): dial published ports.
	noDirect atomic.Bool
}

// New returns a manager; it starts nothing until an object asks.
func New(opts Options) *Manager {
	if opts.Session == "" {
		opts.Session = fmt.Sprintf("s%d", time.Now().UnixNano())
	}
	if opts.Dev && opts.NameSuffix == "" {
		// Two valet dev of one app may run at once (and one may hand over
		// to a new session of its own): each names its containers apart,
		// so that neither replaces the other's by name.
		sum := sha256.Sum256([]byte(opts.Session))
		opts.NameSuffix = hex.EncodeToString(sum[:3])
	}
	m := &Manager{opts: opts, owner: proc.Self().String(), instances: map[string]*Instance{}, active: map[string]int{}, warned: map[string]bool{}}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m
}

// warnOnce is true the first time it is asked about key.
func (m *Manager) warnOnce(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.warned[key] {
		return false
	}
	m.warned[key] = true
	return true
}

// For returns the container of object (class, id), or nil when the class
// has no containers.
func (m *Manager) For(class, id string) *Instance {
	if _, ok := m.opts.Classes[class]; !ok {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := class + "/" + id
	in := m.instances[key]
	if in == nil {
		in = &Instance{m: m, class: class, id: id}
		m.instances[key] = in
	}
	return in
}

// Labels are the labels of this session's containers of class for object id.
func (m *Manager) labels(class, id string) map[string]string {
	l := map[string]string{}
	for k, v := range m.opts.Labels {
		l[k] = v
	}
	for k, v := range map[string]string{
		engine.LabelApp:     m.opts.App,
		engine.LabelClass:   class,
		engine.LabelObject:  id,
		engine.LabelSession: m.opts.Session,
		engine.LabelManaged: "true",
	} {
		l[k] = v
	}
	if m.opts.Dev {
		l[LabelDev] = "true"
		l[LabelOwner] = m.owner
	}
	return l
}

// reserve takes a slot of class's max_instances.
func (m *Manager) reserve(class string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("valet is shutting down: no new containers")
	}
	max := m.opts.Classes[class].MaxInstances
	if max > 0 && m.active[class] >= max {
		return fmt.Errorf("%s: all %d of max_instances of class %s are running; raise containers[].max_instances in the config, or stop an instance", msgNoInstance, max, class)
	}
	m.active[class]++
	return nil
}

func (m *Manager) unreserve(class string) {
	m.mu.Lock()
	m.active[class]--
	m.mu.Unlock()
}

func (m *Manager) closing() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// Running counts the containers of class that are starting or running.
func (m *Manager) Running(class string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.active[class]
}

func (m *Manager) emit(class, id, state, msg string) {
	m.opts.Events.Emit(events.Event{Kind: events.ContainerState, Class: class, ObjectID: id, State: state, Message: msg})
}

// Close removes every container this manager started (also those still
// being created) and waits for them to be gone.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	list := make([]*Instance, 0, len(m.instances))
	for _, in := range m.instances {
		list = append(list, in)
	}
	m.mu.Unlock()
	m.launches.Wait() // a create in flight finishes, then is removed below
	var errs []error
	var wg sync.WaitGroup
	var emu sync.Mutex
	for _, in := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := in.remove(ctx, in.current()); err != nil {
				emu.Lock()
				errs = append(errs, err)
				emu.Unlock()
			}
		}()
	}
	wg.Wait()
	m.cancel()
	// Anything of this session that escaped the bookkeeping.
	if _, err := m.opts.Engine.Sweep(ctx, map[string]string{engine.LabelSession: m.opts.Session, engine.LabelApp: m.opts.App}); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Sweep removes the containers that `valet dev` sessions of app left
// behind when they were killed, and returns how many it removed. A
// container whose owner process still runs (another `valet dev` of the
// app, on this machine or another) is kept; one without an owner label
// comes from a valet that did not write it, and goes as it always did.
func Sweep(ctx context.Context, e engine.API, app string) (int, error) {
	list, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: app, engine.LabelManaged: "true", LabelDev: "true"})
	if err != nil {
		return 0, err
	}
	removed := 0
	var errs []error
	for _, c := range list {
		if owner, ok := proc.Parse(c.Labels[LabelOwner]); ok && !owner.Gone() {
			continue
		}
		if err := e.Remove(ctx, c.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// containerName is valet-<app>-<class>-<id[:12]>[-<suffix>], in the
// engine's alphabet.
func containerName(app, class, id, suffix string) string {
	if len(id) > 12 {
		id = id[:12]
	}
	if app == "" {
		app = "app"
	}
	name := "valet-" + engine.SafeName(app) + "-" + engine.SafeName(class) + "-" + id
	if suffix != "" {
		name += "-" + engine.SafeName(suffix)
	}
	return name
}
