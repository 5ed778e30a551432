package assets

import (
	"path/filepath"

	"github.com/valet-dev/valet/pkg/config"
)

// OptionsFromConfig turns the config's assets section into Options:
// directory resolved against the config file's directory, and the
// navigation behaviour from the worker's compatibility date and flags.
func OptionsFromConfig(a *config.Assets, configDir, compatibilityDate string, compatibilityFlags []string) Options {
	if a == nil {
		return Options{}
	}
	dir := a.Directory
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(configDir, dir)
	}
	return Options{
		Dir:                     dir,
		Project:                 configDir,
		NotFoundHandling:        a.NotFoundHandling,
		HTMLHandling:            a.HTMLHandling,
		NavigationPrefersAssets: NavigationPrefersAssets(compatibilityDate, compatibilityFlags),
	}
}
