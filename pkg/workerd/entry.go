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

//go:embed js/control.js
var controlSource string

// BridgeBinding is the env binding through which facades reach valet. The
// app's Durable Objects get an env without it.
const BridgeBinding = "__VALET_BRIDGE"

// Names of the modules valet adds to the app's worker.
const (
	EntryModule = "__valet_entry.js"
	RTModule    = "__valet_rt.js"
	probeExport = "__ValetProbe"
)

// FacadeClass is a Durable Object class valet wraps.
type FacadeClass struct {
	Name      string
	Container bool // its objects have ctx.container
}

// Entry returns the source of the module valet puts first in the worker: it
// re-exports the app's main module, wraps each Durable Object class, and
// adds the probe. hasDefault says whether the app's module has a default
// export (an ES module cannot re-export a default it lacks).
func Entry(appModule string, hasDefault bool, classes []FacadeClass, token string) string {
	var b strings.Builder
	spec := quote("./" + appModule)
	fmt.Fprintf(&b, "import * as app from %s;\n", spec)
	fmt.Fprintf(&b, "import { facade, ValetProbe } from %s;\n", quote("./"+RTModule))
	fmt.Fprintf(&b, "export * from %s;\n", spec)
	if hasDefault {
		fmt.Fprintf(&b, "export { default } from %s;\n", spec)
	}
	fmt.Fprintf(&b, "export const %s = ValetProbe;\n", probeExport)
	for _, c := range classes {
		fmt.Fprintf(&b, "export const %s = facade(app[%s], { className: %s, container: %v, token: %s });\n",
			c.Name, quote(c.Name), quote(c.Name), c.Container, quote(token))
	}
	return b.String()
}

// ControlSource is the control worker's source for a process whose
// control token is token.
func ControlSource(token string) string {
	return strings.Replace(controlSource, "__VALET_TOKEN__", token, 1)
}

// RuntimeSource is the source of the RTModule.
func RuntimeSource() string { return rtSource }

// NewToken returns a random token for the control requests of one process.
func NewToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
