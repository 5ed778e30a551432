// Package conformance holds tests only: real wrangler projects' configs and
// the checks wrangler's own tests make of `wrangler dev`, replayed against
// valet's config loader and dev server. Its fixtures live in
// testdata/conformance; they are written for valet, modelled on the shapes
// of wrangler's fixtures and create-cloudflare's templates. TestCompat runs
// testdata/compat, popular npm packages and Web APIs one route each, and
// compares every answer with wrangler dev's recorded one.
package conformance
