package devserver

import (
	"context"
	"sort"
	"strings"
)

// imagesChanged is called when the Dockerfile or build context of container
// classes changed.
// TODO(containers): rebuild with build.Image and have the containers layer
// use the new image at each instance's next start, once it exposes that.
func (s *Server) imagesChanged(_ context.Context, classes map[string]bool) {
	names := make([]string, 0, len(classes))
	for c := range classes {
		names = append(names, c)
	}
	sort.Strings(names)
	s.opts.Events.Info("image input changed for " + strings.Join(names, ", ") + ": restart valet dev (or press r) to rebuild it")
}
