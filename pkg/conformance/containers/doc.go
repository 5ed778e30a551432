// Package containers holds tests only: ctx.container and the apps built on
// it (wrangler's container fixtures, the published @cloudflare/containers,
// valet's container-app template), run by `valet dev` on a real Docker
// Engine and a real workerd. Where the behaviour is workerd's to define,
// the expected answers come from workerd itself: the same app runs on
// workerd's own Docker container client (containerEngine localDocker), with
// a stand-in for its networking sidecar (testdata/conformance/containers/
// proxy-everything), and valet's answers must equal those.
package containers
