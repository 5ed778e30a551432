package devserver

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/valet-dev/valet/pkg/appserver"
	"github.com/valet-dev/valet/pkg/bundle"
	"github.com/valet-dev/valet/pkg/edge"
)

// live is the state of watch, rebuild and live reload: what the last builds
// read (to know what a change affects), what they wrote (to tell a CSS-only
// change from one that needs a reload), and the pages listening.
type live struct {
	hub     *hub
	app     atomic.Pointer[appserver.App] // the version in service, for scheduled events
	version appserver.Version             // the last good version; a rebuild starts from it
	// refreshJS is the project's react-refresh runtime ([]byte), when it has one.
	refreshJS atomic.Value
	// depsDir holds the frontend's pre-bundled packages, served at depsPrefix.
	depsDir string

	mu             sync.Mutex
	frontendInputs map[string]bool
	workerInputs   map[string]bool
	frontendFiles  map[string]string      // OutDir-relative path -> content hash
	frontendHTML   map[string]string      // HTML outputs, CSS hashes stripped
	lastFrontend   *bundle.FrontendResult // the first build's, until watch takes it as the baseline
}

func newLive() *live {
	return &live{hub: newHub(), frontendInputs: map[string]bool{}, workerInputs: map[string]bool{}}
}

// handler is the dev server's HTTP handler: the live reload endpoints, then
// the edge.
func (s *Server) handler() http.Handler {
	s.live.app.Store(s.app)
	return handlerRoutes(&s.live.app, reloadHandler(s.live, uncompressed(s.edge)))
}

// uncompressed serves static files without gzip: on loopback compression
// costs more than it saves (gzipping a 3 MiB dev bundle at each rebuild
// takes longer than sending it), and dev bundles change at every edit.
func uncompressed(e *edge.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "" && e.Route(r) == edge.RouteAsset {
			r.Header.Del("Accept-Encoding")
		}
		e.ServeHTTP(w, r)
	})
}

// frontendBuilt records a frontend build. A failed build (res nil) keeps
// the previous inputs, so that the fix is noticed.
func (l *live) frontendBuilt(res *bundle.FrontendResult) {
	if res == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.frontendInputs = set(res.Inputs)
	l.lastFrontend = res
}

func (l *live) workerBuilt(res *bundle.WorkerResult) {
	if res == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.workerInputs = set(res.Inputs)
}

func set(paths []string) map[string]bool {
	m := make(map[string]bool, len(paths))
	for _, p := range paths {
		m[filepath.Clean(p)] = true
	}
	return m
}

// outputHash matches the content hash esbuild puts in the names of CSS and
// JS outputs: an HTML page that differs only by them has not changed (the
// outputs themselves tell what did).
var outputHash = regexp.MustCompile(`-[A-Z0-9]{8}\.(css|js)\b`)

// outputChange compares a frontend build with the previous one: changed
// lists the files that are new or differ (HTML and source maps aside), and
// htmlChanged says whether an HTML page changed other than by the names of
// its stylesheets and scripts.
func (l *live) outputChange(outDir string, res *bundle.FrontendResult) (changed []string, htmlChanged bool) {
	files := map[string]string{}
	html := map[string]string{}
	for _, f := range res.Files {
		files[f.Path] = f.Hash
		if strings.HasSuffix(f.Path, ".html") {
			b, err := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(f.Path)))
			if err == nil {
				html[f.Path] = outputHash.ReplaceAllString(string(b), ".$1")
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	first := l.frontendFiles == nil
	for p, h := range files {
		if strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".map") {
			continue
		}
		if l.frontendFiles[p] != h {
			changed = append(changed, p)
		}
	}
	for p, h := range html {
		if old, ok := l.frontendHTML[p]; !ok || old != h {
			htmlChanged = true
		}
	}
	if len(html) != len(l.frontendHTML) {
		htmlChanged = true
	}
	l.frontendFiles, l.frontendHTML = files, html
	if first {
		return nil, false
	}
	return changed, htmlChanged
}

// reloadKind says what the pages should do after a frontend build: nothing,
// swap stylesheets (css lists them, root-absolute), or reload.
func reloadKind(changed []string, htmlChanged bool) (kind string, css []string) {
	if len(changed) == 0 && !htmlChanged {
		return "", nil
	}
	if htmlChanged || len(changed) == 0 {
		return msgReload, nil
	}
	for _, p := range changed {
		if !strings.HasSuffix(p, ".css") {
			return msgReload, nil
		}
		css = append(css, "/"+p)
	}
	return msgCSS, css
}
