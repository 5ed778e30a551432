package build

import "github.com/valet-dev/valet/pkg/config"

// stateLike is what the option builders need; dev and build share them.
type stateLike struct {
	Project *config.Project
	Env     map[string]string // process environment (import.meta.env)
}

// Inputs names the project and environment the option builders read.
type Inputs = stateLike

// FrontendOutDir is where valet's frontend build writes: frontend.out_dir,
// else assets.directory, else dist (as Vite).
func FrontendOutDir(p *config.Project) string {
	c := p.Config
	switch {
	case c.Frontend != nil && c.Frontend.OutDir != "":
		return p.Abs(c.Frontend.OutDir)
	case c.Assets != nil && c.Assets.Directory != "":
		return p.Abs(c.Assets.Directory)
	default:
		return p.Abs("dist")
	}
}

// AssetsDir is the directory served as static assets, or "" when the app
// has none.
func AssetsDir(p *config.Project) string {
	c := p.Config
	if c.Assets != nil && c.Assets.Directory != "" {
		return p.Abs(c.Assets.Directory)
	}
	if c.Frontend != nil {
		return FrontendOutDir(p)
	}
	return ""
}
