package edgehost

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/containers"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// Labels of what a deployed app runs on its host, beside pkg/engine's.
const (
	// LabelRole is "edge" on the edge container (pkg/deploy) and
	// RoleDurable on the containers of its Durable Objects.
	LabelRole   = "dev.valet.role"
	RoleDurable = "durable"
)

// engineLink is the edge's one connection to the host's Docker Engine (the
// socket pkg/deploy mounts into the edge), made when a version first needs
// containers and kept for the edge's life.
type engineLink struct {
	connect func(ctx context.Context) (*engine.Engine, error)

	mu  sync.Mutex
	e   *edgeEngine
	seq int // numbers the managers, for unique container names
}

// get connects once. The first connection of an edge process also removes
// the Durable Object containers an earlier edge of app left running (it was
// killed, or its host restarted): no other edge of the app runs beside this
// one, and this one has started none yet.
func (l *engineLink) get(ctx context.Context, app string, em *events.Emitter) (*edgeEngine, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.e != nil {
		return l.e, nil
	}
	connect := l.connect
	if connect == nil {
		connect = func(ctx context.Context) (*engine.Engine, error) { return engine.Connect(ctx, engine.Options{}) }
	}
	e, err := connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("containers[] needs the host's Docker Engine inside the edge (its socket is mounted when valet deploy reaches the engine over unix:// or ssh://): %w", err)
	}
	if n, err := e.Sweep(ctx, map[string]string{engine.LabelApp: app, LabelRole: RoleDurable}); err != nil {
		em.Warn("remove the containers an earlier edge left: " + err.Error())
	} else if n > 0 {
		em.Info(fmt.Sprintf("removed %d container(s) an earlier edge of %s left running", n, app))
	}
	ee := &edgeEngine{Engine: e, joined: map[string]bool{}}
	var names []string
	ee.self, names = self(ctx, e)
	for _, n := range names {
		ee.joined[n] = true
	}
	l.e = ee
	return ee, nil
}

// self is the edge's own container and the networks it is on ("", nil
// outside a container).
func self(ctx context.Context, e *engine.Engine) (string, []string) {
	host, err := os.Hostname() // the engine names a container's host after its ID
	if err != nil {
		return "", nil
	}
	res, err := e.Client().ContainerInspect(ctx, host, client.ContainerInspectOptions{})
	if err != nil || res.Container.NetworkSettings == nil {
		return "", nil
	}
	var names []string
	for name := range res.Container.NetworkSettings.Networks {
		names = append(names, name)
	}
	sort.Strings(names)
	return res.Container.ID, names
}

func userNetwork(n string) bool {
	switch n {
	case "", "bridge", "host", "none", "default":
		return false
	}
	return !strings.HasPrefix(n, "container:")
}

// edgeEngine is the engine as the edge's container managers use it. The
// edge dials each container at its address, so before a container starts
// on a network the edge is not on (pkg/containers puts the ones started
// with enableInternet: false on an internal network), the edge joins it.
type edgeEngine struct {
	*engine.Engine
	self string // the edge's container ID; "" outside a container

	mu     sync.Mutex
	joined map[string]bool
}

// RunContainer joins spec's network, then starts the container.
func (e *edgeEngine) RunContainer(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	if err := e.join(ctx, spec.Network); err != nil {
		return "", err
	}
	return e.Engine.RunContainer(ctx, spec)
}

func (e *edgeEngine) join(ctx context.Context, name string) error {
	if name == "" {
		name = engine.DefaultNetwork
	}
	if e.self == "" || !userNetwork(name) {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.joined[name] {
		return nil
	}
	id, err := e.EnsureNetwork(ctx, name)
	if err != nil {
		return err
	}
	_, err = e.Client().NetworkConnect(ctx, id, client.NetworkConnectOptions{Container: e.self})
	if err != nil && !strings.Contains(strings.ToLower(err.Error()), "already exists") {
		return fmt.Errorf("connect the edge to network %s, where its containers run: %w", name, err)
	}
	e.joined[name] = true
	return nil
}

func (l *engineLink) nextSeq() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

// close disconnects.
func (l *engineLink) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.e != nil {
		_ = l.e.Close()
		l.e = nil
	}
}

// versionContainers returns the containers one loaded version's objects
// use (nil when its config has no containers[]), from the host's pool: a
// version built with the same image for a class shares the containers of
// the versions loaded with it (see containerPool).
func (s *Server) versionContainers(ctx context.Context, id string, m *build.Manifest, cfg *config.Config, sink *logSink) (*versionContainers, error) {
	if len(cfg.Containers) == 0 {
		return nil, nil
	}
	app := appName(cfg, m)
	e, err := s.engine.get(ctx, app, events.NewEmitter(sink))
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", id, err)
	}
	classes, err := imageClasses(ctx, e, cfg, m)
	if err != nil {
		return nil, fmt.Errorf("version %s: %w", id, err)
	}
	// The app's own networks, checked before they are trusted; the edge
	// joins the private one before a container starts there (RunContainer).
	private, public := AppNetworks(app)
	if e.self == "" {
		// An edge outside a container (tests) is the host: it needs its
		// address on the network to reach the containers.
		private.Options = nil
	}
	for _, spec := range []engine.NetworkSpec{private, public} {
		if _, err := e.EnsureNetworkSpec(ctx, spec); err != nil {
			return nil, fmt.Errorf("version %s: %w", id, err)
		}
	}
	return s.pool.use(poolOptions{Engine: e, Network: private.Name, EgressNetwork: public.Name, App: app, Version: id,
		Classes: classes, Sink: sink, Seq: s.engine.nextSeq}), nil
}

// imageClasses maps each class of containers[] to the image the version was
// built with, by ID: the deploy shipped the images by ID, so a tag moved
// since then (another deploy, a local build) cannot change what runs.
func imageClasses(ctx context.Context, e *edgeEngine, cfg *config.Config, m *build.Manifest) (map[string]containers.Class, error) {
	byClass := map[string]build.ImageEntry{}
	for _, im := range m.Images {
		byClass[im.Class] = im
	}
	classes := map[string]containers.Class{}
	for _, ct := range cfg.Containers {
		if ct.ClassName == "" {
			return nil, fmt.Errorf("containers[] entry %q has no class_name; name the Durable Object class it backs", ct.Name)
		}
		im, ok := byClass[ct.ClassName]
		if !ok || im.ID == "" {
			return nil, fmt.Errorf("no image was built for container class %s; deploy again (without --no-images)", ct.ClassName)
		}
		if _, found, err := e.ImageExists(ctx, im.ID); err != nil {
			return nil, err
		} else if !found {
			return nil, fmt.Errorf("image %s (%s) of class %s is not on %s; deploy again to send it", shortImage(im.ID), im.Ref, ct.ClassName, e.Host())
		}
		classes[ct.ClassName] = containers.Class{Image: im.ID, MaxInstances: ct.MaxInstances}
	}
	return classes, nil
}

func shortImage(id string) string {
	const p = "sha256:"
	if len(id) > len(p)+12 && id[:len(p)] == p {
		return id[len(p) : len(p)+12]
	}
	return id
}

// appName is what the deploy calls the app: its containers carry it.
func appName(cfg *config.Config, m *build.Manifest) string {
	switch {
	case cfg.Name != "":
		return cfg.Name
	case m.App != "":
		return m.App
	}
	return "app"
}
