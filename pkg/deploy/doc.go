// Package deploy ships an app to any host with a Docker Engine and switches
// traffic to it with no failed request (valet deploy, versions, rollback,
// destroy, secret, logs). pkg/edgehost is its other half, running on the host.
//
// # What runs on the host
//
// One long-lived edge container per app, valet-<app>-edge-*, labelled
// dev.valet.app=<app> and dev.valet.role=edge, from the image
// valet-edge:<hash of valet's binary and the runtime image>: the valet linux
// binary (the running one, or $VALET_EDGE_BINARY; it must be static, which
// `make build` is) on top of valet-workerd:<workerd version>-linux-<arch>,
// which holds workerd for the host's architecture (the npm package valet
// dev runs, or $VALET_EDGE_WORKERD), the libraries it links (as ldd lists
// them, taken from this machine: FROM scratch, as no base image can be
// pulled; or on a glibc base named by $VALET_EDGE_BASE where the host can
// pull one) and the client's CA bundle, without which workerd refuses to
// start. Both are built on the target engine from small contexts (gzipped
// over the network) and reused: workerd's ~160 MB go to a host once per
// workerd version, and a new valet release sends only valet. The edge runs
// `valet edge serve` (each version's worker in a workerd of its own) with
// restart policy unless-stopped, holds deploy.port (default 80; --ip
// chooses the host address, 0.0.0.0 by default) and serves the active version from the state volume valet-<app>
// mounted at /state (layout in pkg/edgehost). The engine's socket is
// mounted at /var/run/docker.sock for the Durable Object containers.
//
// # Durable Objects and their containers
//
// The edge runs the app's Durable Objects as valet dev does (pkg/appserver,
// pkg/workerd, pkg/containers), with their storage in /state/do, shared by
// every version and kept across redeploys and edge restarts. Each object's
// container is started on demand by the edge through the mounted socket,
// from the image the version was built with (by ID), on the app's own
// private network valet-<app>-private (internal, no host address: its
// containers reach nothing but one another), which the edge joins, and
// reached at its address there: nothing is published, and nothing is
// forwarded between bridges. The edge itself is on valet-<app>-public,
// which a container started with enableInternet also joins for its route
// out. No network holds two apps; an existing network of one of those
// names is used only if it is as valet makes it (internal or not, labels,
// options), else the deploy stops at the edge step saying which network
// and how to fix it. The containers are valet-<app>-<class>-<id>-<image>-<n>,
// labelled dev.valet.app, dev.valet.role=durable, dev.valet.version (the
// version that first ran that image) and a session of their own; their
// output and state changes go to the edge's log (valet logs). A Durable
// Object runs in one version at a time: while the new version is checked
// and the old one drains, an object moves to whichever asks for it (calls
// in flight finish first, WebSockets close with 1012), with its alarm,
// which fires once, in the version in service. Its container follows it:
// kept when both versions have the same image for the class, stopped before
// the new version starts its own otherwise. An edge that starts removes what an
// earlier edge of the app left running; destroy removes the edge first,
// then every container of the app, then its networks. Over tcp:// no socket can be mounted:
// an app with containers[] is refused at the connect step, before anything
// is sent, saying to deploy over ssh:// or unix://.
//
// # No new port for control
//
// The client writes files with CopyToContainer into /state/incoming/<tx>
// and runs `valet edge VERB` through Engine exec; the verbs answer JSON on
// stdout. Inputs never travel as arguments except hashes and ids. A
// secret's value travels only in the input stream of the exec of `valet
// edge secret put` (one JSON value: a stream cut short stores nothing), so
// it is never a file in transit, an argv or an env entry, and only over a
// connection that keeps it secret: unix://, ssh://, or tcp:// with verified
// TLS (plain tcp:// or TLS without DOCKER_TLS_VERIFY is refused).
//
// # The pipeline (Run)
//
//	build    pkg/build: manifest with every file's hash and the image IDs
//	connect  --host, deploy.host or the local engine (unix, tcp+TLS, ssh)
//	lock     `valet edge lock` in state.json, through the running edge (a
//	         first deploy starts the edge for it); refused with who, when,
//	         which command and what to do; renewed every minute until the
//	         deploy ends (`valet edge renew`)
//	edge     edge image present? else build it; edge container running the
//	         wanted image and port? else start it (an upgrade creates the new
//	         one, stops the old, starts the new: Result.Edge.Gap), under the
//	         lock: it lives in the state volume, not in the edge
//	plan     state + `valet edge missing HASH...`: only absent files are sent;
//	         the active version equal to the build ends here (no change)
//	images   by ID: present → skipped, else docker save (local) → docker load
//	         (host), counted as Progress; deploy.build "remote" builds there
//	upload   one tar of the manifest and the missing files, then `valet edge
//	         stage` checks each hash and renames it into blobs/
//	switch   `valet edge activate`: the server loads the version beside the
//	         old one, GETs deploy.healthcheck.path through it (1 s / 5 s /
//	         30 s, 2xx/3xx), writes state.json, swaps and drains (30 s);
//	         a failed check is a *HealthCheckError with the last 20 log lines
//
// A dry run stops after plan and writes nothing on the host (no lock, no
// upload, no edge started).
//
// # Crashes
//
// kill -9 of the client at any step leaves the serving version untouched
// (the switch is the rename of state.json). Every command that changes the
// host (deploy, rollback, secret put/delete, destroy) holds the lock, and
// renews it while it works, so a slow one is never taken over. The lock
// records user@host, the client's hostname and pid: a later command from
// the same machine whose holder pid is gone takes it over at once, with a
// warning; from anywhere else once it went 15 minutes without a renewal.
// A command whose lock was taken over meanwhile stops (*LockLostError).
// Uploads left in incoming/ are removed after an hour; staged blobs and
// version directories are fsynced before the history names them.
package deploy
