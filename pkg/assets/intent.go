package assets

import "strings"

// intent is what html_handling and not_found_handling decide for a decoded
// path: serve an entry with a status, or redirect to another path. The zero
// value means no asset answers. The algorithm follows Cloudflare's asset
// worker step by step, so every mode redirects exactly where Cloudflare does.
type intent struct {
	e        *entry
	status   int    // 200, or 404 for a 404.html page
	redirect string // decoded destination path
	notFound bool   // answered by not_found_handling
}

func (in intent) ok() bool { return in.e != nil || in.redirect != "" }

// resolver runs the algorithm over one index with one configuration.
type resolver struct {
	ix           *index
	htmlHandling string
	notFound     string
}

func (r resolver) exists(p string) *entry { return r.ix.files[p] }

func (r resolver) serve(e *entry) intent { return intent{e: e, status: 200} }

func (r resolver) intent(p string, skipRedirects bool) intent {
	switch r.htmlHandling {
	case HTMLForceTrailingSlash:
		return r.forceTrailingSlash(p, skipRedirects)
	case HTMLDropTrailingSlash:
		return r.dropTrailingSlash(p, skipRedirects)
	case HTMLNone:
		if e := r.exists(p); e != nil {
			return r.serve(e)
		}
		return r.notFoundIntent(p)
	default:
		return r.autoTrailingSlash(p, skipRedirects)
	}
}

// redirect answers "redirect to dest" when file exists, dest is not itself
// a file, and dest would serve that same file.
func (r resolver) redirectTo(file, dest string, skip bool) intent {
	if skip || r.exists(dest) != nil {
		return intent{}
	}
	f := r.exists(file)
	if f == nil {
		return intent{}
	}
	if in := r.intent(dest, true); in.e != nil && in.e.etag == f.etag {
		return intent{redirect: dest}
	}
	return intent{}
}

func (r resolver) autoTrailingSlash(p string, skip bool) intent {
	exact := r.exists(p)
	var in intent
	switch {
	case strings.HasSuffix(p, "/index"):
		if exact != nil {
			return r.serve(exact)
		}
		if in = r.redirectTo(p+".html", strings.TrimSuffix(p, "index"), skip); in.ok() {
			return in
		}
		if in = r.redirectTo(strings.TrimSuffix(p, "/index")+".html", strings.TrimSuffix(p, "/index"), skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, "/index.html"):
		if in = r.redirectTo(p, strings.TrimSuffix(p, "index.html"), skip); in.ok() {
			return in
		}
		base := strings.TrimSuffix(p, "/index.html")
		if in = r.redirectTo(base+".html", base, skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, "/"):
		if e := r.exists(p + "index.html"); e != nil {
			return r.serve(e)
		}
		base := strings.TrimSuffix(p, "/")
		if in = r.redirectTo(base+".html", base, skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, ".html"):
		base := strings.TrimSuffix(p, ".html")
		if in = r.redirectTo(p, base, skip); in.ok() {
			return in
		}
		if in = r.redirectTo(base+"/index.html", base+"/", skip); in.ok() {
			return in
		}
	}
	if exact != nil {
		return r.serve(exact)
	}
	if e := r.exists(p + ".html"); e != nil {
		return r.serve(e)
	}
	if in = r.redirectTo(p+"/index.html", p+"/", skip); in.ok() {
		return in
	}
	return r.notFoundIntent(p)
}

func (r resolver) forceTrailingSlash(p string, skip bool) intent {
	exact := r.exists(p)
	var in intent
	switch {
	case strings.HasSuffix(p, "/index"):
		if exact != nil {
			return r.serve(exact)
		}
		dir := strings.TrimSuffix(p, "index")
		if in = r.redirectTo(p+".html", dir, skip); in.ok() {
			return in
		}
		if in = r.redirectTo(strings.TrimSuffix(p, "/index")+".html", dir, skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, "/index.html"):
		dir := strings.TrimSuffix(p, "index.html")
		if in = r.redirectTo(p, dir, skip); in.ok() {
			return in
		}
		if in = r.redirectTo(strings.TrimSuffix(p, "/index.html")+".html", dir, skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, "/"):
		if e := r.exists(p + "index.html"); e != nil {
			return r.serve(e)
		}
		if e := r.exists(strings.TrimSuffix(p, "/") + ".html"); e != nil {
			return r.serve(e)
		}
	case strings.HasSuffix(p, ".html"):
		base := strings.TrimSuffix(p, ".html")
		if in = r.redirectTo(p, base+"/", skip); in.ok() {
			return in
		}
		if exact != nil {
			return r.serve(exact)
		}
		if in = r.redirectTo(base+"/index.html", base+"/", skip); in.ok() {
			return in
		}
	}
	if exact != nil {
		return r.serve(exact)
	}
	if in = r.redirectTo(p+".html", p+"/", skip); in.ok() {
		return in
	}
	if in = r.redirectTo(p+"/index.html", p+"/", skip); in.ok() {
		return in
	}
	return r.notFoundIntent(p)
}

func (r resolver) dropTrailingSlash(p string, skip bool) intent {
	exact := r.exists(p)
	var in intent
	switch {
	case strings.HasSuffix(p, "/index"):
		if exact != nil {
			return r.serve(exact)
		}
		if p == "/index" {
			if in = r.redirectTo("/index.html", "/", skip); in.ok() {
				return in
			}
			break
		}
		base := strings.TrimSuffix(p, "/index")
		if in = r.redirectTo(base+".html", base, skip); in.ok() {
			return in
		}
		if in = r.redirectTo(p+".html", base, skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, "/index.html"):
		if p == "/index.html" {
			if in = r.redirectTo("/index.html", "/", skip); in.ok() {
				return in
			}
			break
		}
		base := strings.TrimSuffix(p, "/index.html")
		if in = r.redirectTo(p, base, skip); in.ok() {
			return in
		}
		if exact != nil {
			return r.serve(exact)
		}
		if in = r.redirectTo(base+".html", base, skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, "/"):
		if p == "/" {
			if e := r.exists("/index.html"); e != nil {
				return r.serve(e)
			}
			break
		}
		base := strings.TrimSuffix(p, "/")
		if in = r.redirectTo(base+".html", base, skip); in.ok() {
			return in
		}
		if in = r.redirectTo(base+"/index.html", base, skip); in.ok() {
			return in
		}
	case strings.HasSuffix(p, ".html"):
		base := strings.TrimSuffix(p, ".html")
		if in = r.redirectTo(p, base, skip); in.ok() {
			return in
		}
		if in = r.redirectTo(base+"/index.html", base, skip); in.ok() {
			return in
		}
	}
	if exact != nil {
		return r.serve(exact)
	}
	if e := r.exists(p + ".html"); e != nil {
		return r.serve(e)
	}
	if e := r.exists(p + "/index.html"); e != nil {
		return r.serve(e)
	}
	return r.notFoundIntent(p)
}

// notFoundIntent applies not_found_handling: the SPA's /index.html with 200,
// or the nearest 404.html walking up from the path with 404.
func (r resolver) notFoundIntent(p string) intent {
	switch r.notFound {
	case NotFoundSPA:
		if e := r.exists("/index.html"); e != nil {
			return intent{e: e, status: 200, notFound: true}
		}
	case NotFound404Page:
		for dir := p; dir != ""; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
			if e := r.exists(dir + "/404.html"); e != nil {
				return intent{e: e, status: 404, notFound: true}
			}
		}
	}
	return intent{}
}
