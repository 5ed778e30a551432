package devserver

import (
	"context"
	"sort"
	"strings"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/image"
)

// imagesChanged builds the images of classes again after their inputs
// changed (or build.command ran). Docker's cache decides: when every
// resulting image is the one the containers run, nothing restarts and the
// containers keep their memory. Otherwise a version is put in service
// whose instances start from the new images: running containers are
// replaced at their next request; Durable Object storage stays.
func (s *Server) imagesChanged(ctx context.Context, rb *rebuilder, classes map[string]bool) bool {
	if s.containers == nil || len(classes) == 0 {
		return false
	}
	em := s.opts.Events
	built := map[string]image.Result{}
	var changed []string
	for _, ct := range s.p.Config.Containers {
		if !classes[ct.ClassName] {
			continue
		}
		res, err := build.Image(ctx, s.containers.Engine, s.p, ct, s.own(), em)
		rb.record("images", err)
		if err != nil {
			return false
		}
		built[ct.ClassName] = res
		if res.ID != s.containers.ImageID(ct.ClassName) {
			changed = append(changed, ct.ClassName)
		}
	}
	if len(changed) == 0 {
		return false
	}
	sort.Strings(changed)
	// A new session, on the same engine, starts the new images; it sweeps
	// the app's containers (the old session's too) and builds what the
	// batch did not name (found by their input digest).
	old := s.containers
	cs, err := appserver.StartContainers(ctx, s.p, appserver.ContainerOptions{Events: em, Own: s.own(), Engine: old.Engine, Built: built})
	rb.record("images", err)
	if err != nil {
		return false
	}
	s.containers = cs
	if !s.swapVersion(ctx, s.live.version, rb) {
		s.containers = old
		_ = cs.Release()
		return false
	}
	em.Info("new image for " + strings.Join(changed, ", ") + ": containers restart on their next request")
	go old.Release() // its containers were swept; the engine is the new session's
	return true
}
