package devserver

import (
	"context"
	"sort"
	"strings"

	"github.com/valet-dev/valet/pkg/appserver"
)

// imagesChanged rebuilds the container images after their Dockerfile or
// build context changed (or build.command ran), and puts a version in
// service whose instances start from the new images: running containers
// are replaced at their next request; Durable Object storage stays.
func (s *Server) imagesChanged(ctx context.Context, rb *rebuilder, classes map[string]bool) bool {
	if s.containers == nil || len(classes) == 0 {
		return false
	}
	names := make([]string, 0, len(classes))
	for c := range classes {
		names = append(names, c)
	}
	sort.Strings(names)
	// A new session builds every image (unchanged ones are found by their
	// input digest); its sweep keeps the old session's containers (this
	// process runs), which go with old.Close below.
	cs, err := appserver.StartContainers(ctx, s.p, s.opts.Events)
	rb.record("images", err)
	if err != nil {
		return false
	}
	old := s.containers
	s.containers = cs
	if !s.swapVersion(s.live.version, rb) {
		s.containers = old
		_ = cs.Close()
		return false
	}
	s.opts.Events.Info("new image for " + strings.Join(names, ", ") + ": containers restart on their next request")
	go old.Close() // removes its containers (a new one replaces any still there) and releases the engine connection
	return true
}
