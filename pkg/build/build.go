// Package build turns a Project into a Version on disk: it runs the custom
// build command, bundles the frontend and the worker in-process (esbuild),
// copies the assets, builds the container images through the Engine API,
// and writes a manifest whose digest names the version.
package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// Options says what to build and where.
type Options struct {
	Project *config.Project
	OutDir  string // default <project>/.valet/build
	Events  *events.Emitter
	// Engine connects to the Docker Engine; called only when the app has
	// containers. Nil means engine.Connect with default options.
	Engine func(ctx context.Context) (*engine.Engine, error)
	// SkipImages leaves the images out (valet build --no-images, tests).
	SkipImages bool
	// Environ is the process environment for the custom build command and
	// import.meta.env; nil means os.Environ().
	Environ []string
}

// Result is a finished build.
type Result struct {
	Dir      string
	Manifest *Manifest
}

// state is what the steps share.
type state struct {
	opts     Options
	p        *config.Project
	out      string
	manifest *Manifest
	cache    *inputCache
	engine   *engine.Engine
}

// step is one stage of the pipeline, after goreleaser's pipes.
type step struct {
	name string
	skip func(*state) string // a reason to skip, or ""
	run  func(context.Context, *state) error
}

func steps() []step {
	return []step{
		{"custom build", skipCustom, runCustom},
		{"frontend", skipFrontend, runFrontend},
		{"worker", skipWorker, runWorker},
		{"assets", skipAssets, runAssets},
		{"images", skipImages, runImages},
	}
}

// Run builds the project and writes OutDir/manifest.json.
func Run(ctx context.Context, opts Options) (*Result, error) {
	p := opts.Project
	if p == nil || p.Config == nil {
		return nil, fmt.Errorf("build: no project")
	}
	out := opts.OutDir
	if out == "" {
		out = filepath.Join(p.Dir, ".valet", "build")
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("build: create %s: %w", out, err)
	}
	cfgJSON, err := json.Marshal(p.Config)
	if err != nil {
		return nil, fmt.Errorf("build: encode config: %w", err)
	}
	st := &state{
		opts: opts, p: p, out: out,
		manifest: &Manifest{App: p.Config.Name, Env: p.Env, Config: cfgJSON},
		cache:    loadInputCache(out),
	}
	defer func() {
		if st.engine != nil {
			st.engine.Close()
		}
	}()
	em := opts.Events
	for _, s := range steps() {
		if reason := s.skip(st); reason != "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := runStep(ctx, em, s, st); err != nil {
			return nil, err
		}
	}
	st.manifest.computeDigest()
	st.manifest.Created = time.Now().UTC().Truncate(time.Second)
	if old, err := ReadManifest(out); err == nil && old.Digest == st.manifest.Digest {
		// Same version: keep its creation time so the file does not change.
		st.manifest.Created = old.Created
	}
	if err := st.manifest.write(out); err != nil {
		return nil, fmt.Errorf("build: write manifest: %w", err)
	}
	if err := st.cache.save(out); err != nil {
		return nil, fmt.Errorf("build: write cache: %w", err)
	}
	em.Emit(events.Event{Kind: events.Info, Message: fmt.Sprintf("version %s → %s", st.manifest.Version, rel(p.Dir, out))})
	return &Result{Dir: out, Manifest: st.manifest}, nil
}

// skipped is returned by a step that found its work already done.
type skipped string

func (s skipped) Error() string { return string(s) }

// runStep is the middleware around every step: timing and events live here,
// not in the steps.
func runStep(ctx context.Context, em *events.Emitter, s step, st *state) error {
	start := time.Now()
	em.Emit(events.Event{Kind: events.StepStarted, Step: s.name})
	err := s.run(ctx, st)
	var skip skipped
	switch {
	case errors.As(err, &skip):
		em.Emit(events.Event{Kind: events.StepSkipped, Step: s.name, Message: string(skip), Duration: time.Since(start)})
		return nil
	case err != nil:
		em.Emit(events.Event{Kind: events.StepFailed, Step: s.name, Error: err.Error(), Duration: time.Since(start)})
		return err
	}
	em.Emit(events.Event{Kind: events.StepDone, Step: s.name, Duration: time.Since(start)})
	return nil
}

func (st *state) environ() []string {
	if st.opts.Environ != nil {
		return st.opts.Environ
	}
	return os.Environ()
}

func (st *state) envMap() map[string]string {
	m := map[string]string{}
	for _, kv := range st.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
