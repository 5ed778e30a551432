// Package assets serves a directory of static files with the semantics of
// Cloudflare Workers static assets: html_handling, not_found_handling,
// _headers, _redirects and .assetsignore, strong content-hash ETags, ranges
// and compression. The whole directory is indexed once (and again on
// Reload), so a request never touches the filesystem by a path it chose.
package assets

import (
	"fmt"
	"strings"
)

// Values of Options.NotFoundHandling (wrangler's assets.not_found_handling).
const (
	NotFoundNone    = "none"
	NotFound404Page = "404-page"
	NotFoundSPA     = "single-page-application"
)

// Values of Options.HTMLHandling (wrangler's assets.html_handling).
const (
	HTMLAutoTrailingSlash  = "auto-trailing-slash"
	HTMLForceTrailingSlash = "force-trailing-slash"
	HTMLDropTrailingSlash  = "drop-trailing-slash"
	HTMLNone               = "none"
)

// Default budgets of the in-memory cache. Files above MaxCachedFile are read
// from disk on every request; the total bounds what the index keeps.
const (
	DefaultMaxCachedFile = 4 << 20
	DefaultCacheBytes    = 32 << 20
)

// Options configures a Server.
type Options struct {
	// Dir is assets.directory, absolute.
	Dir string
	// Project bounds the directory's symbolic links: one whose target lies
	// outside both Project and Dir is not served (a warning names it).
	// Default: Dir.
	Project string
	// NotFoundHandling is "none" (default), "404-page" or "single-page-application".
	NotFoundHandling string
	// HTMLHandling is "auto-trailing-slash" (default), "force-trailing-slash",
	// "drop-trailing-slash" or "none".
	HTMLHandling string
	// NavigationPrefersAssets is Cloudflare's assets_navigation_prefers_asset_serving
	// compatibility behaviour: with a worker, a browser navigation
	// (Sec-Fetch-Mode: navigate) that matches no file still gets the
	// not_found_handling answer (the SPA's index.html) instead of the worker.
	// See NavigationPrefersAssets to derive it from the compatibility date.
	NavigationPrefersAssets bool
	// MaxCachedFile and CacheBytes bound the in-memory cache (0: defaults).
	MaxCachedFile int64
	CacheBytes    int64
	// Warn receives notes about the directory that do not stop serving:
	// invalid lines of _headers or _redirects, skipped files. May be nil.
	Warn func(msg string)
}

func (o Options) withDefaults() Options {
	if o.NotFoundHandling == "" {
		o.NotFoundHandling = NotFoundNone
	}
	if o.HTMLHandling == "" {
		o.HTMLHandling = HTMLAutoTrailingSlash
	}
	if o.MaxCachedFile <= 0 {
		o.MaxCachedFile = DefaultMaxCachedFile
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	return o
}

func (o Options) validate() error {
	switch o.NotFoundHandling {
	case NotFoundNone, NotFound404Page, NotFoundSPA:
	default:
		return fmt.Errorf("assets.not_found_handling %q is not one of %q, %q, %q; fix it in your config",
			o.NotFoundHandling, NotFoundNone, NotFound404Page, NotFoundSPA)
	}
	switch o.HTMLHandling {
	case HTMLAutoTrailingSlash, HTMLForceTrailingSlash, HTMLDropTrailingSlash, HTMLNone:
	default:
		return fmt.Errorf("assets.html_handling %q is not one of %q, %q, %q, %q; fix it in your config",
			o.HTMLHandling, HTMLAutoTrailingSlash, HTMLForceTrailingSlash, HTMLDropTrailingSlash, HTMLNone)
	}
	if o.Dir == "" {
		return fmt.Errorf("assets.directory is empty; set it to the folder of your built frontend (for example \"./dist\")")
	}
	return nil
}

// NavigationPrefersAssets reports whether Cloudflare's
// assets_navigation_prefers_asset_serving behaviour is on for a worker with
// this compatibility date and flags: on by default from 2025-04-01, forced by
// the flag itself, turned off by assets_navigation_has_no_effect.
func NavigationPrefersAssets(compatibilityDate string, flags []string) bool {
	for _, f := range flags {
		switch strings.TrimSpace(f) {
		case "assets_navigation_prefers_asset_serving":
			return true
		case "assets_navigation_has_no_effect":
			return false
		}
	}
	return compatibilityDate >= "2025-04-01"
}
