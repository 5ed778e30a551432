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
	"github.com/valet-dev/valet/pkg/workerd"
)

// ContainerSession is the containers of one `valet dev` run: the engine,
// the images built for containers[], and the manager of the instances.
type ContainerSession struct {
	Engine  *engine.Engine
	Manager *containers.Manager
}

// StartContainers prepares the containers of a project for dev: it connects
// to the Docker Engine (only when the config has containers[]; nil, nil
// otherwise), removes what a killed session of the app left behind, and
// builds each class's image.
func StartContainers(ctx context.Context, p *config.Project, em *events.Emitter) (*ContainerSession, error) {
	c := p.Config
	if len(c.Containers) == 0 {
		return nil, nil
	}
	e, err := engine.Connect(ctx, engine.Options{})
	if err != nil {
		return nil, fmt.Errorf("containers[] needs a Docker Engine: %w", err)
	}
	if n, err := containers.Sweep(ctx, e, c.Name); err != nil {
		em.Warn("remove containers left by an earlier valet dev: " + err.Error())
	} else if n > 0 {
		em.Info(fmt.Sprintf("removed %d container(s) left by an earlier valet dev of %s", n, c.Name))
	}
	classes := map[string]containers.Class{}
	for _, ct := range c.Containers {
		if ct.ClassName == "" {
			_ = e.Close()
			return nil, fmt.Errorf("containers[] entry %q has no class_name; name the Durable Object class it backs", ct.Name)
		}
		// build.Image reports its own step (image:<repo>: built, skipped
		// as unchanged, or failed with the Dockerfile's output).
		res, err := build.Image(ctx, e, p, ct, em)
		if err != nil {
			_ = e.Close()
			return nil, err
		}
		ref := res.Ref
		if ref == "" {
			ref = res.ID
		}
		classes[ct.ClassName] = containers.Class{Image: ref, MaxInstances: ct.MaxInstances}
	}
	mgr := containers.New(containers.Options{
		Engine: e, App: c.Name, Classes: classes, Events: em, Dev: true,
		Session: fmt.Sprintf("dev-%d", time.Now().UnixNano()),
	})
	return &ContainerSession{Engine: e, Manager: mgr}, nil
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
