// Package edgehost is the part of valet that runs INSIDE the edge container
// on a deploy host (`valet edge ...`, a hidden command). The container holds
// the app's public port and serves its active version with the same
// appserver/edge code as `valet dev`.
//
// Everything the client (pkg/deploy) changes on the host goes through the
// Docker Engine connection the user already authenticated: files are copied
// into /state/incoming/<tx> (CopyToContainer) and an exec of `valet edge
// <verb>` inside the container moves them into place. No port is opened for
// control; the running server listens on a unix socket inside the container
// (ControlSocket) that only those execs reach.
//
// The state volume, mounted at /state:
//
//	state.json              active version, history, deploy lock (Store.Update)
//	blobs/<sha256>          content-addressed files of every kept version
//	versions/<id>/          manifest.json + worker.js + assets/ (hard links to blobs)
//	secrets.json            0600, read by the edge alone
//	incoming/<tx>/          uploads not yet moved into place
//	do/                     Durable Object storage (SQLite), of every version
//
// Every write is a temp file, fsync and rename, and state.json is changed
// under an flock, so a kill -9 of the client or of the edge never leaves a
// half-written file: the active version changes only with the rename of
// state.json.
//
// Versions loaded at once (the one serving, the one being checked) share
// the app's Durable Objects: one workerd.Objects hands each object from one
// version's workerd to the other as they ask for it, with its alarm, so that
// it never runs in both; the version in service runs the alarms, and the
// objects with alarms of a version that stops are woken there. Their
// containers follow them: one containers.Manager per class and image on the
// edge's one engine connection (containerPool), so an object moving to a
// version built with the same image keeps its container, and one moving to
// a version with another image has its old container stopped first.
package edgehost
