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
	"github.com/valet-dev/valet/pkg/internal/projectfs"
)

// Image builds (or finds) the image of one container entry. own are the
// paths valet writes (OwnPaths): never part of the build context.
func Image(ctx context.Context, e *engine.Engine, p *config.Project, c config.Container, own []string, em *events.Emitter) (image.Result, error) {
	opts, isFile := ImageOptions(p, c, own)
	if !isFile {
		return image.Ensure(ctx, e, opts.Dockerfile, em)
	}
	path := opts.Dockerfile
	opts.Events = em
	res, err := image.Build(ctx, e, opts)
	if err != nil {
		return res, fmt.Errorf("container %s (%s): %w", c.ClassName, rel(p.Dir, path), err)
	}
	return res, nil
}

// ImageOptions are the build options of a container entry; isFile is false
// when its image is a registry reference (then opts.Dockerfile holds it).
func ImageOptions(p *config.Project, c config.Container, own []string) (opts image.BuildOptions, isFile bool) {
	isFile, path := image.Resolve(p.Dir, c.Image)
	opts = image.BuildOptions{
		Dockerfile: path,
		BuildArgs:  c.ImageVars,
		Tag:        ImageRepo(p.Config.Name, c.ClassName),
		Labels:     map[string]string{engine.LabelApp: p.Config.Name, engine.LabelClass: c.ClassName},
		Exclude:    own,
	}
	if c.ImageBuildContext != "" {
		opts.Context = p.Abs(c.ImageBuildContext)
	}
	return opts, isFile
}

// OwnPaths are the paths of project p that valet writes as the app builds
// and runs: .valet/ (builds, dev output, default state), the frontend's
// output when valet builds it, and extra (--persist-to, --outdir). They are
// never input of an image build, nor a reason for valet dev to check one.
func OwnPaths(p *config.Project, extra ...string) []string {
	own := []string{filepath.Join(p.Dir, ".valet")}
	if p.Config.Frontend != nil {
		own = append(own, FrontendOutDir(p))
	}
	for _, x := range extra {
		if x == "" {
			continue
		}
		abs, err := filepath.Abs(x)
		// A directory holding the project (--persist-to .) would take all
		// of it: only what lies inside the project can be set apart.
		if err == nil && !projectfs.Within(abs, p.Dir) {
			own = append(own, abs)
		}
	}
	return own
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
