package edge

import (
	"strings"

	"github.com/valet-dev/valet/pkg/config"
)

// Decision is where the routing rules send a request before any asset
// lookup.
type Decision int

const (
	// Default: an asset if one answers, else the worker.
	Default Decision = iota
	// WorkerFirst: the worker, whatever the assets hold.
	WorkerFirst
	// AssetsOnly: a "!/..." rule matched; the assets answer, 404 included,
	// and the worker never sees the request.
	AssetsOnly
)

// Routes is a compiled assets.run_worker_first: true, or globs where "*"
// matches anything (slashes included) and "!/..." excludes.
type Routes struct {
	all     bool
	include []string
	exclude []string
}

// NewRoutes compiles run_worker_first. Rules that the config refuses (see
// config's checkRunWorkerFirst) never match.
func NewRoutes(rwf config.RunWorkerFirst) Routes {
	r := Routes{all: rwf.All}
	for _, rule := range rwf.Routes {
		switch {
		case strings.HasPrefix(rule, "!/"):
			r.exclude = append(r.exclude, rule[1:])
		case strings.HasPrefix(rule, "/"):
			r.include = append(r.include, rule)
		}
	}
	return r
}

// Static reports whether run_worker_first is a list of rules (Cloudflare's
// static routing): then a path no rule matches is the assets' whenever
// they answer it, not_found_handling included, and the worker sees only
// what the rules send it.
func (r Routes) Static() bool { return len(r.include) > 0 || len(r.exclude) > 0 }

// Decide returns where pathname (the request's encoded path) goes.
func (r Routes) Decide(pathname string) Decision {
	if r.all {
		return WorkerFirst
	}
	for _, g := range r.exclude {
		if globMatch(g, pathname) {
			return AssetsOnly
		}
	}
	for _, g := range r.include {
		if globMatch(g, pathname) {
			return WorkerFirst
		}
	}
	return Default
}

// globMatch matches s against a pattern where "*" stands for any run of
// characters, "/" included; the rest is literal and the match is anchored.
// Backtracking to the last star keeps it linear in practice.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
