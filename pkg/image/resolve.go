package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// Resolve tells whether a container's `image` setting is a Dockerfile (then
// path is its absolute path) or a registry reference (then path is image).
// As in wrangler, a path that exists relative to projectDir is a Dockerfile;
// valet also accepts a directory holding a Dockerfile, and takes anything
// that looks like a path (./x, ../x, /x, *Dockerfile) for one, so that a
// missing file is reported as such rather than as a bad reference.
func Resolve(projectDir, image string) (isDockerfile bool, path string) {
	p := image
	if !filepath.IsAbs(p) {
		p = filepath.Join(projectDir, image)
	}
	if st, err := os.Stat(p); err == nil {
		if st.IsDir() {
			return true, filepath.Join(p, "Dockerfile")
		}
		return true, p
	}
	base := strings.ToLower(filepath.Base(image))
	if strings.HasPrefix(image, "./") || strings.HasPrefix(image, "../") || filepath.IsAbs(image) ||
		strings.HasSuffix(base, "dockerfile") || strings.HasPrefix(base, "dockerfile.") || strings.HasSuffix(base, ".dockerfile") {
		return true, p
	}
	return false, image
}

// ValidateRef checks a registry reference as wrangler does: no scheme, and
// an explicit tag (or digest).
func ValidateRef(ref string) error {
	if strings.Contains(ref, "://") {
		return fmt.Errorf("image %q: a registry reference has no scheme; write e.g. docker.io/library/httpd:2, not https://…", ref)
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	if !strings.Contains(last, ":") && !strings.Contains(last, "@") {
		return fmt.Errorf("image %q is neither an existing Dockerfile nor a registry reference with a tag\n"+
			"  Give a path to a Dockerfile (relative to the config file) or a reference with a tag, e.g. %s:latest", ref, ref)
	}
	return nil
}

// Ensure makes a registry image available on the engine: used as is when
// present, pulled otherwise. A pull that fails says how to get the image there.
func Ensure(ctx context.Context, e *engine.Engine, ref string, em *events.Emitter) (Result, error) {
	if err := ValidateRef(ref); err != nil {
		return Result{}, err
	}
	id, ok, err := e.ImageExists(ctx, ref)
	if err != nil {
		return Result{}, err
	}
	if ok {
		em.Emit(events.Event{Kind: events.StepSkipped, Step: "image:" + ref, Message: "present on the engine"})
		return Result{ID: id, Ref: ref, Cached: true}, nil
	}
	err = em.Step("image:"+ref, func() error { return pull(ctx, e, ref, em) })
	if err != nil {
		return Result{}, err
	}
	id, ok, err = e.ImageExists(ctx, ref)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{}, fmt.Errorf("pull image %s: the engine reported success but has no such image", ref)
	}
	return Result{ID: id, Ref: ref}, nil
}

func pull(ctx context.Context, e *engine.Engine, ref string, em *events.Emitter) error {
	rc, err := e.Client().ImagePull(ctx, ref, client.ImagePullOptions{})
	if err == nil {
		defer rc.Close()
		out := newBuildOutput(em, "image:"+ref)
		err = engine.DecodeStream(rc, out.handle)
		var be *BuildError
		if errors.As(err, &be) {
			err = errors.New(be.Message)
		}
	}
	if err != nil {
		return fmt.Errorf("image %s is not on the engine at %s, and pulling it failed: %v\n"+
			"  Pull or load it on that engine yourself (docker pull %s, or docker load), or build it from a Dockerfile", ref, e.Host(), err, ref)
	}
	return nil
}
