package typegen

import (
	"github.com/valet-dev/valet/pkg/devvars"
)

// secretSource is a file whose key names become `string` bindings. Values
// are never kept: only names leave this file.
type secretSource struct {
	Files []string // paths relative to the project directory, in read order
	Keys  []string // sorted, unique
}

// readSecretKeys returns the secret names for env ("" for the top level),
// read as `valet dev` reads them (pkg/devvars, wrangler's precedence).
func readSecretKeys(dir, env string) (secretSource, error) {
	v, err := devvars.Load(dir, env)
	if err != nil {
		return secretSource{}, err
	}
	return secretSource{Files: v.Files, Keys: v.Keys()}, nil
}
