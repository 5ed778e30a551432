// Package build turns a Project into a Version on disk: it runs the custom
// build command, bundles the frontend and the worker in-process (esbuild),
// copies the assets, builds the container images through the Engine API,
// and writes a manifest whose digest names the version.
package build

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/pipeline"
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

// steps is the build pipeline; a skipped step says why.
func steps() []pipeline.Step[*state] {
	return []pipeline.Step[*state]{
		{Name: "custom build", Skip: skipCustom, Run: runCustom},
		{Name: "frontend", Skip: skipFrontend, Run: runFrontend},
		{Name: "worker", Skip: skipWorker, Run: runWorker},
		{Name: "assets", Skip: skipAssets, Run: runAssets},
		{Name: "images", Skip: skipImages, Run: runImages},
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
	if err := pipeline.Run(ctx, em, steps(), st); err != nil {
		return nil, err
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
