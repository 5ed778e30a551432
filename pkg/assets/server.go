package assets

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// Server serves one assets directory. It is safe for concurrent use, and
// Reload swaps in a new snapshot of the directory without blocking requests.
type Server struct {
	opts     Options
	ix       atomic.Pointer[index]
	reloadMu sync.Mutex // one re-index at a time, so snapshots go in order
}

// New indexes opts.Dir and returns a Server for it.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ix, err := buildIndex(opts, nil)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts}
	s.ix.Store(ix)
	return s, nil
}

// Reload re-indexes the directory after a rebuild. Requests in flight finish
// on the snapshot they started with; on error the old snapshot stays.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	ix, err := buildIndex(s.opts, s.ix.Load())
	if err != nil {
		return err
	}
	s.ix.Store(ix)
	return nil
}

// Dir returns the directory served (absolute, symlinks resolved), for a
// watcher to know what to watch.
func (s *Server) Dir() string { return s.ix.Load().root }

// Len returns the number of files served.
func (s *Server) Len() int { return len(s.ix.Load().files) }

// Kind says how the assets answer a request.
type Kind int

const (
	KindNone     Kind = iota // no asset answers: the worker's turn, or a 404
	KindFile                 // a file (Status 200, or 404 for a 404.html page)
	KindRedirect             // a redirect (_redirects, or html_handling's 307)
	KindNotFound             // a _redirects 200 rewrite whose target does not exist: 404
	KindMethod               // a file exists but the method is not GET or HEAD: 405
)

// Match is how the assets answer a request.
type Match struct {
	Kind     Kind
	Status   int
	Path     string // the file served, as a URL path ("/about/index.html")
	Location string // for KindRedirect
	Fallback bool   // the file comes from not_found_handling (SPA index.html, 404.html)

	e        *entry
	pathname string // the request's encoded pathname, which _headers rules match
}

// Lookup reports whether the assets answer r when the edge asks before
// the worker, as Cloudflare's asset worker answers its router (canFetch):
// a file, a redirect or a 405 counts; not_found_handling (the SPA's
// index.html, a 404.html) counts under static routing (run_worker_first is
// a list), or else for a browser navigation (Sec-Fetch-Mode: navigate)
// when NavigationPrefersAssets is on. Otherwise a path no file answers is
// the worker's.
func (s *Server) Lookup(r *http.Request, staticRouting bool) (Match, bool) {
	nf := NotFoundNone
	if staticRouting || s.opts.NavigationPrefersAssets && r.Header.Get("Sec-Fetch-Mode") == "navigate" {
		nf = s.opts.NotFoundHandling
	}
	m := s.match(s.ix.Load(), r, nf)
	return m, m.Kind != KindNone
}

// ServeHTTP answers r from the assets alone: a file, a redirect, the
// not_found_handling page, or an empty 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ix := s.ix.Load()
	s.write(w, r, ix, s.match(ix, r, s.opts.NotFoundHandling))
}

// match runs _redirects, then html_handling and not_found_handling.
func (s *Server) match(ix *index, r *http.Request, notFound string) Match {
	m := s.resolve(ix, r, notFound)
	m.pathname = requestPath(r)
	return m
}

func (s *Server) resolve(ix *index, r *http.Request, notFound string) Match {
	pathname := requestPath(r)
	if unsafePath(pathname) {
		return Match{}
	}
	proxied := false
	if status, to, ok := ix.redirects.match(hostOnly(r.Host), pathname); ok {
		dest, err := url.Parse(to)
		if err != nil {
			return Match{}
		}
		if status == 200 {
			pathname = removeDotSegments(dest.EscapedPath())
			proxied = true
		} else {
			return Match{Kind: KindRedirect, Status: status, Location: redirectLocation(r, dest)}
		}
	}
	decoded := decodePath(pathname)
	if unsafePath(decoded) {
		return Match{}
	}
	rv := resolver{ix: ix, htmlHandling: s.opts.HTMLHandling, notFound: notFound}
	in := rv.intent(decoded, false)
	if !in.ok() {
		if proxied {
			return Match{Kind: KindNotFound, Status: http.StatusNotFound}
		}
		return Match{}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return Match{Kind: KindMethod, Status: http.StatusMethodNotAllowed}
	}
	dest := decoded
	if in.redirect != "" {
		dest = in.redirect
	}
	// The canonical URL of an asset is its decoded path re-encoded; any other
	// spelling, and any html_handling redirect, is one 307 away.
	if enc := encodePath(dest); enc != pathname && in.e != nil || in.redirect != "" {
		loc := enc
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		return Match{Kind: KindRedirect, Status: http.StatusTemporaryRedirect, Location: loc}
	}
	return Match{Kind: KindFile, Status: in.status, Path: in.e.key, Fallback: in.notFound, e: in.e}
}

// redirectLocation builds the Location of a _redirects rule: a same-site
// target keeps the request's query unless it has its own.
func redirectLocation(r *http.Request, dest *url.URL) string {
	query := dest.RawQuery
	if query == "" {
		query = r.URL.RawQuery
	}
	var b strings.Builder
	if dest.Host != "" && !strings.EqualFold(dest.Host, r.Host) {
		u := *dest
		u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
		b.WriteString(u.String())
	} else {
		p := dest.EscapedPath()
		if p == "" {
			p = "/"
		}
		b.WriteString(p)
	}
	if query != "" {
		b.WriteString("?" + query)
	}
	if dest.Fragment != "" {
		b.WriteString("#" + dest.EscapedFragment())
	}
	return b.String()
}

func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i]
	}
	return h
}
