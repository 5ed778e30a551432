package build

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/image"
)

// Image builds (or finds) the image of one container entry.
func Image(ctx context.Context, e *engine.Engine, p *config.Project, c config.Container, em *events.Emitter) (image.Result, error) {
	isFile, path := image.Resolve(p.Dir, c.Image)
	if !isFile {
		return image.Ensure(ctx, e, path, em)
	}
	opts := image.BuildOptions{
		Dockerfile: path,
		BuildArgs:  c.ImageVars,
		Tag:        ImageRepo(p.Config.Name, c.ClassName),
		Labels:     map[string]string{engine.LabelApp: p.Config.Name, engine.LabelClass: c.ClassName},
		Events:     em,
	}
	if c.ImageBuildContext != "" {
		opts.Context = p.Abs(c.ImageBuildContext)
	}
	res, err := image.Build(ctx, e, opts)
	if err != nil {
		return res, fmt.Errorf("container %s (%s): %w", c.ClassName, rel(p.Dir, path), err)
	}
	return res, nil
}

// ImageRepo names the images valet builds for an app's class.
func ImageRepo(app, class string) string {
	if app == "" {
		app = "app"
	}
	return image.RepoName("valet-" + strings.ToLower(app) + "-" + strings.ToLower(class))
}

func absJoin(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}
