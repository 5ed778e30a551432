package devserver

import (
	"context"
	"encoding/json"
	"slices"
)

// startWatch runs the watch loop until the returned stop is called; stop
// waits for a rebuild in progress, so the app is not closed under it.
// broken is the error of a first build that failed: the loop starts with
// it on the overlay, and the next change builds everything again.
func (s *Server) startWatch(ctx context.Context, broken error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.watch(ctx, broken)
	}()
	go func() {
		<-ctx.Done()
		s.live.hub.close()
	}()
	return func() {
		cancel()
		<-done
	}
}

// watch rebuilds what each batch of changes affects, and everything when
// asked (Options.Rebuild: the dashboard's r key).
func (s *Server) watch(ctx context.Context, broken error) {
	em := s.opts.Events
	// The watcher's goroutine asks while this one may load a new config:
	// it gets the paths of the config valet dev started with.
	own := s.own()
	w, err := newWatcher(s.p.Dir, func(dir string) bool { return underAny(own, dir) })
	if err != nil {
		em.Warn("live reload is off: " + err.Error())
		return
	}
	defer w.close()
	s.watchOutside(w)
	s.baseline()
	rb := &rebuilder{failed: map[string]error{}}
	rb.snapshotCustom(s.p)
	if broken != nil {
		rb.needRestart = true
		rb.record(failedStep(broken), broken)
		s.live.hub.fail(rb.errors())
	}

	batches := make(chan []string)
	go w.batches(ctx, batches, func(err error) { em.Warn("watch: " + err.Error()) })
	for {
		select {
		case <-ctx.Done():
			return
		case paths := <-batches:
			ch := s.classify(rb, paths)
			if ch.empty() {
				continue
			}
			s.apply(ctx, rb, ch)
			s.watchOutside(w)
		case <-s.opts.Rebuild:
			s.apply(ctx, rb, change{restart: true, images: map[string]bool{}})
			s.watchOutside(w)
		}
	}
}

// underAny reports whether path is one of dirs or lies below one. The
// directories valet writes (Server.own) are not watched, besides the usual
// skipDirs: their changes are valet's own.
func underAny(dirs []string, path string) bool {
	return slices.ContainsFunc(dirs, func(dir string) bool { return inside(dir, path) })
}

// watchOutside adds the directories of inputs outside the project (a
// monorepo's shared packages).
func (s *Server) watchOutside(w *watcher) {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	for _, in := range []map[string]bool{s.live.frontendInputs, s.live.workerInputs} {
		for p := range in {
			w.add(p)
		}
	}
	for _, o := range s.others {
		for p := range o.inputs {
			w.add(p)
		}
		w.add(o.p.Path)
	}
}

func jsonList(l []string) string {
	b, _ := json.Marshal(l)
	return string(b)
}
