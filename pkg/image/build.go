// Package image builds container images through the Docker Engine API (the
// classic /build endpoint, so no buildx or BuildKit session is needed), skips
// builds whose input has not changed, and resolves a container's `image`
// setting to a Dockerfile or a registry reference.
package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// BuildOptions says what to build.
type BuildOptions struct {
	Dockerfile string            // path of the Dockerfile (the container's `image` when it is a file)
	Context    string            // image_build_context; default: the Dockerfile's directory
	BuildArgs  map[string]string // image_vars
	Tag        string            // repository base name, e.g. "valet-<app>-<class>"; made valid by RepoName
	Target     string            // optional multi-stage target
	Platform   string            // optional, e.g. "linux/amd64"
	Labels     map[string]string // extra image labels (engine.LabelApp, ...)
	Events     *events.Emitter   // build output as events.Log (Source "image:<tag>"), step events
	// Exclude are paths never sent in the context, whatever .dockerignore
	// says: valet's own files (.valet/, the --persist-to directory), which
	// change as the app runs and must not make a new image.
	Exclude []string
}

// Result is a built (or reused) image.
type Result struct {
	ID     string // sha256:...
	Ref    string // repo:<12 hex digits of the input digest>
	Digest string // the full input digest
	Cached bool   // an image for this input existed; nothing was built
}

func (o BuildOptions) withDefaults() (BuildOptions, error) {
	if o.Dockerfile == "" {
		return o, errors.New("build image: no Dockerfile given")
	}
	if o.Context == "" {
		o.Context = filepath.Dir(o.Dockerfile)
	}
	if o.Tag == "" {
		o.Tag = "valet-" + filepath.Base(filepath.Dir(mustAbs(o.Dockerfile)))
	}
	o.Tag = RepoName(o.Tag)
	return o, nil
}

// Build builds the image unless one for the same input digest exists on the
// engine. Build output is streamed as events; a failing step is a *BuildError.
func Build(ctx context.Context, e *engine.Engine, opts BuildOptions) (Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Result{}, err
	}
	step := "image:" + opts.Tag
	em := opts.Events
	bc, err := newBuildContext(opts.Context, opts.Dockerfile, opts.Exclude)
	if err != nil {
		return Result{}, err
	}
	digest, err := bc.digest(opts)
	if err != nil {
		return Result{}, err
	}
	res := Result{Ref: imageRef(opts.Tag, digest), Digest: digest}
	id, ok, err := e.ImageExists(ctx, res.Ref)
	if err != nil {
		return Result{}, err
	}
	if ok {
		res.ID, res.Cached = id, true
		em.Emit(events.Event{Kind: events.StepSkipped, Step: step, Message: "unchanged (" + res.Ref + ")"})
		return res, nil
	}
	err = em.Step(step, func() error {
		res.ID, err = runBuild(ctx, e, bc, opts, res.Ref)
		return err
	})
	return res, err
}

func runBuild(ctx context.Context, e *engine.Engine, bc *buildContext, opts BuildOptions, ref string) (string, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(bc.WriteTar(pw)) }()
	defer pr.Close()

	args := make(map[string]*string, len(opts.BuildArgs))
	for k, v := range opts.BuildArgs {
		args[k] = &v
	}
	// No label may depend on the input digest: an input change that Docker's
	// cache finds changes nothing (a file no COPY reads) must give the image
	// ID that runs already, so that no container restarts for it.
	labels := map[string]string{engine.LabelManaged: "true"}
	for k, v := range opts.Labels {
		labels[k] = v
	}
	bo := client.ImageBuildOptions{
		Tags:        []string{ref},
		Dockerfile:  bc.dockerfile,
		BuildArgs:   args,
		Labels:      labels,
		Target:      opts.Target,
		Remove:      true,
		ForceRemove: true,
		// The classic builder: BuildKit would need a session (buildx).
		Version: build.BuilderV1,
	}
	if opts.Platform != "" {
		p, err := parsePlatform(opts.Platform)
		if err != nil {
			return "", err
		}
		bo.Platforms = []ocispec.Platform{p}
	}
	resp, err := e.Client().ImageBuild(ctx, pr, bo)
	if err != nil {
		if msg, ok := strings.CutPrefix(err.Error(), "Error response from daemon: dockerfile parse error line "); ok {
			// Point at the Dockerfile's line, as a compiler would: file:line: message.
			line, rest, _ := strings.Cut(msg, ": ")
			return "", fmt.Errorf("build image %s: %s:%s: %s\n  Fix that line of the Dockerfile", ref, bc.dfSource, line, rest)
		}
		return "", fmt.Errorf("build image %s on %s: %w", ref, e.Host(), err)
	}
	defer resp.Body.Close()

	out := newBuildOutput(opts.Events, "image:"+opts.Tag)
	if err := engine.DecodeStream(resp.Body, out.handle); err != nil {
		var be *BuildError
		if errors.As(err, &be) {
			be.Image, be.Dockerfile = ref, opts.Dockerfile
			return "", be
		}
		return "", fmt.Errorf("build image %s: %w", ref, err)
	}
	id, ok, err := e.ImageExists(ctx, ref)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("build image %s: the engine reported success but has no such image", ref)
	}
	return id, nil
}

func parsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant], e.g. linux/amd64", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

func mustAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
