package appserver

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/containers"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/image"
	"github.com/valet-dev/valet/pkg/workerd"
)

// ContainerSession is the containers of one `valet dev` run: the engine,
// the images built for containers[], and the manager of the instances.
type ContainerSession struct {
	Engine  *engine.Engine
	Manager *containers.Manager
	images  map[string]string // class → ID of the image its containers run
}

// ContainerOptions configure StartContainers.
type ContainerOptions struct {
	Events *events.Emitter
	// Own are the paths valet writes (build.OwnPaths): never build input.
	Own []string
	// Engine, when set, is used instead of a new connection: a session that
	// replaces another takes over its engine (and closes it in Close).
	Engine *engine.Engine
	// Built are images already built, by class; the others are built.
	Built map[string]image.Result
}

// StartContainers prepares the containers of a project for dev: it connects
// to the Docker Engine (only when the config has containers[]; nil, nil
// otherwise), removes what a killed session of the app left behind, and
// builds each class's image.
func StartContainers(ctx context.Context, p *config.Project, opts ContainerOptions) (*ContainerSession, error) {
	c, em := p.Config, opts.Events
	if len(c.Containers) == 0 {
		return nil, nil
	}
	e := opts.Engine
	closeEngine := func() {} // a given engine stays open: its owner's session goes on
	if e == nil {
		var err error
		if e, err = engine.Connect(ctx, engine.Options{}); err != nil {
			return nil, fmt.Errorf("containers[] needs a Docker Engine: %w", err)
		}
		closeEngine = func() { _ = e.Close() }
	}
	if n, err := containers.Sweep(ctx, e, c.Name); err != nil {
		em.Warn("remove containers left by an earlier valet dev: " + err.Error())
	} else if n > 0 {
		em.Info(fmt.Sprintf("removed %d container(s) left by an earlier valet dev of %s", n, c.Name))
	}
	classes := map[string]containers.Class{}
	images := map[string]string{}
	for _, ct := range c.Containers {
		if ct.ClassName == "" {
			closeEngine()
			return nil, fmt.Errorf("containers[] entry %q has no class_name; name the Durable Object class it backs", ct.Name)
		}
		res, ok := opts.Built[ct.ClassName]
		if !ok {
			// build.Image reports its own step (image:<repo>: built, skipped
			// as unchanged, or failed with the Dockerfile's output).
			var err error
			if res, err = build.Image(ctx, e, p, ct, opts.Own, em); err != nil {
				closeEngine()
				return nil, err
			}
		}
		ref := res.Ref
		if ref == "" {
			ref = res.ID
		}
		classes[ct.ClassName] = containers.Class{Image: ref, MaxInstances: ct.MaxInstances}
		images[ct.ClassName] = res.ID
	}
	mgr := containers.New(containers.Options{
		Engine: e, App: c.Name, Classes: classes, Events: em, Dev: true,
		Session: fmt.Sprintf("dev-%d", time.Now().UnixNano()),
	})
	return &ContainerSession{Engine: e, Manager: mgr, images: images}, nil
}

// ImageID is the ID of the image the containers of class run ("" when the
// session has no such class).
func (s *ContainerSession) ImageID(class string) string {
	if s == nil {
		return ""
	}
	return s.images[class]
}

// Release removes the session's containers (at most 30 s) and leaves its
// engine connection open, for the session that replaced it.
func (s *ContainerSession) Release() error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Manager.Close(ctx)
}

// Close removes every container of the session (at most 30 s) and
// disconnects from the engine.
func (s *ContainerSession) Close() error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.Manager.Close(ctx)
	if cerr := s.Engine.Close(); cerr != nil && !strings.Contains(cerr.Error(), "closed") {
		err = fmt.Errorf("%v; %w", err, cerr)
	}
	return err
}

// Instances is the session's manager, for Options.Containers (nil-safe).
func (s *ContainerSession) Instances() workerd.Containers {
	if s == nil {
		return nil
	}
	return s.Manager
}
