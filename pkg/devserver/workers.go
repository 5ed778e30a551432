package devserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/devvars"
)

// otherWorker is the worker of one more config of the session (valet dev
// -c a -c b, as wrangler dev): bundled and watched with the app's, run in
// the same workerd, reached through service bindings, never served on the
// port. Its own bundle, secrets and Durable Objects.
type otherWorker struct {
	p      *config.Project
	worker *bundle.WorkerContext
	// version is its last good build; inputs what that build read (guarded
	// by live.mu: the watcher asks while a restart may rebuild).
	version appserver.Version
	inputs  map[string]bool
}

func (o *otherWorker) name() string { return o.p.Config.Name }

// newOthers checks the other configs: each has a worker (main) and a
// name, none the app's.
func newOthers(primary *config.Project, ps []*config.Project) ([]*otherWorker, error) {
	names := map[string]string{primary.Config.Name: primary.Path}
	var out []*otherWorker
	for _, p := range ps {
		c := p.Config
		if c.Main == "" {
			return nil, fmt.Errorf("%s: a config given with another -c needs a worker: set main", p.Path)
		}
		if c.Name == "" {
			return nil, fmt.Errorf("%s: a config given with another -c needs a name: service bindings name the worker by it", p.Path)
		}
		if first, dup := names[c.Name]; dup {
			return nil, fmt.Errorf("%s: worker %q is already the worker of %s: give each config its own name", p.Path, c.Name, first)
		}
		names[c.Name] = p.Path
		out = append(out, &otherWorker{p: p})
	}
	return out, nil
}

// buildOtherWorkers is the first build's step for the other workers.
func buildOtherWorkers(_ context.Context, b *firstBuild) error {
	vs, err := b.s.buildOthers()
	if err != nil {
		return err
	}
	b.v.Others = vs
	return nil
}

// buildOthers bundles each other worker from scratch (the first build and
// a restart) and returns their versions.
func (s *Server) buildOthers() ([]appserver.Version, error) {
	var vs []appserver.Version
	for _, o := range s.others {
		if o.worker != nil {
			o.worker.Dispose()
		}
		wc, err := bundle.NewWorkerContext(build.WorkerOptions(&build.Inputs{Project: o.p}, ""))
		if err != nil {
			return nil, &buildFailure{"worker " + o.name(), err}
		}
		o.worker = wc
		if err := s.rebuildOther(o); err != nil {
			return nil, err
		}
		vs = append(vs, o.version)
	}
	return vs, nil
}

// rebuildOther bundles one other worker again and reads its secrets.
func (s *Server) rebuildOther(o *otherWorker) error {
	res, err := o.worker.Rebuild()
	if res != nil {
		s.live.mu.Lock()
		o.inputs = set(res.Inputs)
		s.live.mu.Unlock()
	}
	if err != nil {
		return &buildFailure{"worker " + o.name(), err}
	}
	for _, w := range res.Warnings {
		s.opts.Events.Warn(o.name() + ": " + w.Warning())
	}
	if err := build.CheckExports(o.p, res.Exports); err != nil {
		return fmt.Errorf("%s: %w", o.name(), err)
	}
	secrets, err := devvars.Load(o.p.Dir, o.p.Env)
	if err != nil {
		return err
	}
	o.version = appserver.Version{
		Config: withVars(o.p.Config, s.opts.Vars), Dir: o.p.Dir, Secrets: secrets.Values,
		Script: res.Script, SourceMap: res.SourceMap, Exports: res.Exports, Main: res.Main, Modules: res.Modules,
	}
	return nil
}

// otherVersions are the other workers' last good versions.
func (s *Server) otherVersions() []appserver.Version {
	var vs []appserver.Version
	for _, o := range s.others {
		vs = append(vs, o.version)
	}
	return vs
}

// othersChanged lists the other workers a batch of changed paths affects;
// restart is true when one of their configs changed.
func (s *Server) othersChanged(paths []string) (changed []int, restart bool) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	for i, o := range s.others {
		hit := false
		for _, p := range paths {
			if p == o.p.Path {
				restart = true
			}
			if o.inputs[p] {
				hit = true
			}
		}
		if hit {
			changed = append(changed, i)
		}
	}
	return changed, restart
}

// applyOthers rebuilds the other workers that changed; a failure is kept
// for the overlay and the last good build of that worker stays.
func (s *Server) applyOthers(rb *rebuilder, changed []int) (rebuilt []string) {
	em := s.opts.Events
	for _, i := range changed {
		o := s.others[i]
		step := "worker " + o.name()
		err := em.Step(step, func() error { return s.rebuildOther(o) })
		rb.record(step, err)
		if err == nil {
			rebuilt = append(rebuilt, step)
		}
	}
	return rebuilt
}

// reloadOthers loads the other configs again (a restart).
func (s *Server) reloadOthers() error {
	for _, o := range s.others {
		p, err := config.Load(config.LoadOptions{Path: o.p.Path, Env: o.p.Env})
		if err != nil {
			return err
		}
		for _, w := range p.Warnings {
			s.opts.Events.Warn(w.String())
		}
		o.p = p
	}
	return nil
}

func (s *Server) disposeOthers() {
	for _, o := range s.others {
		if o.worker != nil {
			o.worker.Dispose()
		}
	}
}

// announceOthers says which workers run beside the app's.
func (s *Server) announceOthers() {
	if len(s.others) == 0 {
		return
	}
	names := make([]string, len(s.others))
	for i, o := range s.others {
		names[i] = o.name()
	}
	s.opts.Events.Info("also running worker " + strings.Join(names, ", ") + " (reached through service bindings)")
}
