package cmdutil

import (
	"github.com/valet-dev/valet/pkg/iostreams"
)

// Factory carries the dependencies commands share. Commands copy what they
// need into their own options struct, so tests can replace any of it.
type Factory struct {
	IO      *iostreams.IOStreams
	Version string

	// Globals are the values of the root's persistent flags, filled in
	// before any command runs.
	Globals *Globals
}

// Globals are the flags every command accepts.
type Globals struct {
	ConfigPath string // -c/--config (the first, when given several times)
	// MoreConfigs are the configs of -c given again (valet dev -c a -c b,
	// as wrangler dev): more workers run beside ConfigPath's.
	MoreConfigs []string
	Env         string // --env
}
