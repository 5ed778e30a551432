package workerd

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
)

//go:embed js/rt.js
var rtSource string

//go:embed js/container.js
var containerSource string

//go:embed js/control.js
var controlSource string

//go:embed js/dev.js
var devSource string

// BridgeBinding is the env binding through which facades reach valet. The
// app's Durable Objects get an env without it.
const BridgeBinding = "__VALET_BRIDGE"

// Names of the modules valet adds to the app's worker.
const (
	EntryModule = "__valet_entry.js"
	RTModule    = "__valet_rt.js"
	DevModule   = "__valet_dev.js"
	probeExport = "__ValetProbe"
)

// ErrorStackHeader marks a dev answer that carries an uncaught exception
// as JSON ({name, message, stack, cause}) instead of the app's answer;
// ErrorStackHeader+"-Payload" carries the same JSON, URI-encoded, for
// answers without a body (HEAD). The names are wrangler dev's.
const ErrorStackHeader = "MF-Experimental-Error-Stack"

// FacadeClass is a Durable Object class valet wraps.
type FacadeClass struct {
	Name      string
	Container bool // its objects have ctx.container
	// Key names the class to valet (object ownership, the control
	// worker's DO_<key> binding); "" is Name (see DurableObjectClass.Key).
	Key string
}

// EntryOptions say what the entry module puts in front of the app's.
type EntryOptions struct {
	App        string // the app's main module ("worker.js")
	HasDefault bool   // whether it has a default export (an ES module cannot re-export one it lacks)
	Classes    []FacadeClass
	Token      string // the control token of the process
	// Dev wraps the default export as `wrangler dev` does (js/dev.js): an
	// uncaught exception of fetch becomes a 500 carrying it as JSON
	// (ErrorStackHeader), and exceptions no caller sees go to the log.
	Dev bool
	// TestScheduled (with Dev) answers GET /__scheduled?cron= inside the
	// worker by running its scheduled handler (wrangler dev --test-scheduled).
	TestScheduled bool
}

// Entry returns the source of the module valet puts first in the worker: it
// re-exports the app's main module, wraps each Durable Object class, and
// adds the probe; in dev it wraps the default export too.
func Entry(o EntryOptions) string {
	var b strings.Builder
	spec := quote("./" + o.App)
	fmt.Fprintf(&b, "import * as app from %s;\n", spec)
	fmt.Fprintf(&b, "import { facade, ValetProbe } from %s;\n", quote("./"+RTModule))
	fmt.Fprintf(&b, "export * from %s;\n", spec)
	switch {
	case o.HasDefault && o.Dev:
		fmt.Fprintf(&b, "import { wrapDefault } from %s;\n", quote("./"+DevModule))
		fmt.Fprintf(&b, "export default wrapDefault(app.default, { testScheduled: %v });\n", o.TestScheduled)
	case o.HasDefault:
		fmt.Fprintf(&b, "export { default } from %s;\n", spec)
	}
	fmt.Fprintf(&b, "export const %s = ValetProbe;\n", probeExport)
	for _, c := range o.Classes {
		key := c.Key
		if key == "" {
			key = c.Name
		}
		fmt.Fprintf(&b, "export const %s = facade(app[%s], { className: %s, container: %v, token: %s });\n",
			c.Name, quote(c.Name), quote(key), c.Container, quote(o.Token))
	}
	return b.String()
}

// SourceFile is a module valet writes beside the app's.
type SourceFile struct {
	Name   string
	Source string
}

// EntryModules are the modules valet puts before the app's in the worker,
// the entry first: the entry, the runtime module and, in dev, the dev
// wrapper.
func EntryModules(o EntryOptions) []SourceFile {
	mods := []SourceFile{{EntryModule, Entry(o)}, {RTModule, RuntimeSource()}}
	if o.Dev {
		mods = append(mods, SourceFile{DevModule, devSource})
	}
	return mods
}

// ControlSource is the control worker's source for a process whose
// control token is token.
func ControlSource(token string) string {
	return strings.Replace(controlSource, "__VALET_TOKEN__", token, 1)
}

// RuntimeSource is the source of the RTModule: rt.js, and ctx.container's
// shim (container.js) in the same module, so that neither exports what the
// app could import.
func RuntimeSource() string { return rtSource + "\n" + containerSource }

// NewToken returns a random token for the control requests of one process.
func NewToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
