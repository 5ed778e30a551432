package typegen

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

// runtimeDecls declares the runtime API valet provides (Web APIs, Durable
// Objects, containers, "cloudflare:workers"). It is kept as a .d.ts file so a
// TypeScript reader can review it, and appended verbatim to every generated
// file.
//
//go:embed runtime.d.ts
var baseDecls string

// asyncDecls declare Queues, Workflows and service bindings, in a file of
// their own; "cloudflare:workers" and ExportedHandler declared twice merge.
//
//go:embed runtime-async.d.ts
var asyncDecls string

var runtimeDecls = baseDecls + asyncDecls

// formatVersion changes when the generator's output format changes, so that
// files written by an older valet are reported stale by --check.
const formatVersion = "1"

// RuntimeDeclarations returns the runtime declarations valet appends after
// the Env interface.
func RuntimeDeclarations() string { return runtimeDecls }

// declarationsVersion identifies the runtime declarations by content: any
// edit to runtime.d.ts makes previously generated files stale.
func declarationsVersion() string {
	sum := sha256.Sum256([]byte(runtimeDecls))
	return formatVersion + "-" + hex.EncodeToString(sum[:6])
}
