package devserver

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"

	"github.com/valet-dev/valet/pkg/bundle"
)

// refreshPath serves the project's react-refresh runtime as a classic
// script: injected into dev pages before the module scripts, it runs before
// React loads, as Fast Refresh needs.
const (
	refreshPath = reloadPrefix + "refresh.js"
	refreshTag  = `<script src="` + refreshPath + `"></script>`
)

// hotUpdate is what a page does to apply an edit without reloading: import
// the edited modules' new chunks, swap the stylesheets, then let React Fast
// Refresh re-render the components they register.
type hotUpdate struct {
	Modules []string `json:"modules"` // root-absolute URLs of entry chunks
	// Chunks the modules import that changed: imported beside them, not
	// after them, so the page's fetches do not wait on one another.
	Chunks []string `json:"chunks,omitempty"`
	CSS    []string `json:"css,omitempty"`
}

func (u hotUpdate) data() string {
	b, _ := json.Marshal(u)
	return string(b)
}

// planHot decides whether a frontend rebuild can be applied in place.
// changed are the outputs that differ from the previous build, sources the
// files whose change caused the build. It gives up (full reload) unless
// every changed source is a Fast Refresh boundary with its own chunk and
// the build kept its layout (no new module, no new package, same HTML).
func planHot(res *bundle.FrontendResult, changed []string, htmlChanged bool, sources []string) (hotUpdate, bool) {
	var u hotUpdate
	if res == nil || htmlChanged || res.Relaid || len(res.Modules) == 0 {
		return u, false
	}
	js := false
	fresh := map[string]bool{}
	for _, p := range changed {
		switch {
		case strings.HasSuffix(p, ".css"):
			u.CSS = append(u.CSS, "/"+p)
		case strings.HasSuffix(p, ".js"):
			js, fresh["/"+p] = true, true
		default:
			return u, false // an asset or a public file: its users may be anywhere
		}
	}
	if !js {
		return u, false // nothing to run again: CSS alone has its own message
	}
	for _, src := range sources {
		if strings.HasSuffix(strings.ToLower(src), ".css") {
			continue
		}
		m, ok := res.Modules[filepath.Clean(src)]
		if !ok || !m.Boundary {
			return u, false
		}
		u.Modules = append(u.Modules, m.URL)
		for _, c := range m.Chunks {
			if fresh[c] && !slices.Contains(u.Chunks, c) {
				u.Chunks = append(u.Chunks, c)
			}
		}
	}
	return u, len(u.Modules) > 0
}

// warnDeps says when the dependency pre-bundle failed: dev goes on with
// the packages in the app's bundle, and edits rebuild them each time.
// It also names, once each, the public dir's links left out because they
// lead out of the project.
func (s *Server) warnDeps(res *bundle.FrontendResult) {
	if res == nil {
		return
	}
	if res.DepsError != "" {
		s.opts.Events.Warn("pre-bundling packages failed, they are bundled with the app (slower edits): " + res.DepsError)
	}
	for _, msg := range res.Skipped {
		if !s.warned[msg] {
			s.warned[msg] = true
			s.opts.Events.Warn(msg)
		}
	}
}
