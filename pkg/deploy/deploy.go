package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/pipeline"
	"github.com/valet-dev/valet/pkg/ui/text"
)

// DefaultPort is the public port when deploy.port is unset.
const DefaultPort = 80

// Options configure one deploy.
type Options struct {
	Conn
	Port       int    // overrides deploy.port
	BindIP     string // where the port is published on the host; default 0.0.0.0
	DryRun     bool   // print the plan, change nothing
	EdgeBinary string // default $VALET_EDGE_BINARY or the running valet
	// Workerd is the workerd put in the edge image, for the host's
	// platform; default $VALET_EDGE_WORKERD, else the one valet dev runs
	// when this machine is linux on the host's architecture.
	Workerd string
	// EdgeBase is a glibc image to build the workerd image on, where the
	// host can pull it; default $VALET_EDGE_BASE, else FROM scratch with
	// the libraries workerd links, taken from this machine.
	EdgeBase string
	OutDir   string // build directory (default .valet/build)
	// SkipBuild deploys the build already in OutDir.
	SkipBuild bool
	Events    *events.Emitter
	// Local is the engine images are built on and saved from (deploy.build
	// "local"); nil means the default local engine.
	Local func(ctx context.Context) (*engine.Engine, error)

	// beforeStep, in tests, runs before each step starts (a place to stop
	// a deploy at a known point).
	beforeStep func(step string)
}

// Result is what a deploy did.
type Result struct {
	App      string                   `json:"app"`
	Host     string                   `json:"host"`
	URL      string                   `json:"url"`
	Version  string                   `json:"version"`
	Previous string                   `json:"previous,omitempty"`
	Summary  string                   `json:"summary"`
	Switched bool                     `json:"switched"`
	DryRun   bool                     `json:"dry_run,omitempty"`
	Files    int                      `json:"files_sent"`
	Bytes    int64                    `json:"bytes_sent"` // files + images + edge image
	Images   int                      `json:"images_sent"`
	Edge     EdgeChange               `json:"edge"`
	Check    *edgehost.CheckResult    `json:"check,omitempty"`
	Drain    events.Millis            `json:"drain_ms,omitempty"`
	Pruned   []edgehost.VersionRecord `json:"pruned,omitempty"`
	Duration events.Millis            `json:"duration_ms"`
}

// deployRun is the state the steps share, after goreleaser's pipes.
type deployRun struct {
	opts     Options
	em       *events.Emitter
	res      *Result
	dir      string
	manifest *build.Manifest
	t        *Target
	held     *heldLock
	edgeRef  string // the edge image, once present on the host
	state    *edgehost.State
	missing  []string
}

// Run builds the app, ships what the host lacks and switches to the new
// version once it passes its health check. On any failure the version that
// was serving keeps serving. Everything that changes the host (the edge's
// replacement included) happens under the deploy lock, renewed while the
// deploy runs.
func Run(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	r := &deployRun{opts: opts, em: opts.Events, res: &Result{App: opts.App(), DryRun: opts.DryRun}}
	defer func() {
		if r.held != nil {
			r.held.release()
		}
		if r.t != nil {
			r.t.E.Close()
		}
	}()
	if err := pipeline.Run(ctx, r.em, deploySteps(), r); err != nil {
		return r.res, err
	}
	r.res.Duration = events.Millis(time.Since(start))
	return r.res, nil
}

// deploySteps is the pipeline of a deploy. A step that finds nothing to do
// returns events.Skip; one after which nothing is left (no change, a dry
// run) returns pipeline.ErrStop.
func deploySteps() []pipeline.Step[*deployRun] {
	step := func(name string, run func(*deployRun, context.Context) error) pipeline.Step[*deployRun] {
		return pipeline.Step[*deployRun]{Name: name, Run: func(ctx context.Context, r *deployRun) error {
			if r.held != nil {
				// From here on, losing the lock stops the deploy.
				ctx = r.held.ctx
			}
			if err := ctx.Err(); err != nil {
				return context.Cause(ctx)
			}
			if r.opts.beforeStep != nil {
				r.opts.beforeStep(name)
			}
			err := run(r, ctx)
			if _, skip := events.SkipReason(err); err != nil && !skip && !errors.Is(err, pipeline.ErrStop) {
				err = lockCause(ctx, err) // a step cut short by a lost lock says so
			}
			return err
		}}
	}
	// The lock comes before the edge: a new release must not replace the
	// edge while someone else holds the lock.
	return []pipeline.Step[*deployRun]{
		step("build", (*deployRun).build),
		step("connect", (*deployRun).connect),
		step("lock", (*deployRun).lock),
		step("edge", (*deployRun).edge),
		step("plan", (*deployRun).plan),
		step("images", (*deployRun).images),
		step("upload", (*deployRun).upload),
		step("switch", (*deployRun).activate),
	}
}

func (r *deployRun) build(ctx context.Context) error {
	p := r.opts.Project
	if r.opts.SkipBuild {
		dir := r.opts.OutDir
		if dir == "" {
			dir = p.Abs(".valet/build")
		}
		m, err := build.ReadManifest(dir)
		if err != nil {
			return err
		}
		r.dir, r.manifest = dir, m
	} else {
		bo := build.Options{Project: p, OutDir: r.opts.OutDir, Events: r.em}
		if r.remoteBuild() {
			bo.Engine = r.opts.connect // images are built where they run
		} else if r.opts.Local != nil {
			bo.Engine = r.opts.Local
		}
		res, err := build.Run(ctx, bo)
		if err != nil {
			return err
		}
		r.dir, r.manifest = res.Dir, res.Manifest
	}
	r.res.Version = r.manifest.Version
	return nil
}

func (r *deployRun) remoteBuild() bool { return r.opts.deployConfig().Build == "remote" }

func (r *deployRun) connect(ctx context.Context) error {
	e, err := r.opts.connect(ctx)
	if err != nil {
		return err
	}
	r.t = &Target{E: e, App: r.opts.App(), LockRenew: r.opts.LockRenew}
	r.res.Host = e.Host()
	if err := r.needsSocket(e.Host()); err != nil {
		return err
	}
	port := r.port()
	r.res.URL = fmt.Sprintf("http://%s:%d", publicHost(e.Host()), port)
	return nil
}

// needsSocket refuses an app with containers[] on a host whose engine
// socket cannot be mounted into the edge (tcp://): its objects could not
// start their containers, and the images would be shipped for nothing.
func (r *deployRun) needsSocket(host string) error {
	cfg := r.opts.Project.Config
	if len(cfg.Containers) == 0 || engineSocket(host) != "" {
		return nil
	}
	return fmt.Errorf("app %s has containers[], which its Durable Objects start through the host's Docker Engine socket, mounted into the edge; over %s no socket reaches the edge\n"+
		"  Deploy over ssh://user@host (the engine's socket on that host is mounted), or from the host itself over unix://", r.t.App, host)
}

func (r *deployRun) port() int {
	switch {
	case r.opts.Port != 0:
		return r.opts.Port
	case r.opts.deployConfig().Port != 0:
		return r.opts.deployConfig().Port
	}
	return DefaultPort
}

// edge makes the host's edge container run this valet (the lock step may
// have started it already): a new release replaces the running edge, under
// the lock.
func (r *deployRun) edge(ctx context.Context) error {
	if r.opts.DryRun {
		ok, err := r.t.attachEdge(ctx)
		if err != nil {
			return err
		}
		if !ok {
			r.em.Info(fmt.Sprintf("would start the edge container of %s on %s, port %d", r.t.App, r.t.E.Host(), r.port()))
		}
		return nil
	}
	return r.ensureEdge(ctx)
}

// ensureEdge builds the edge image when the host lacks it (on the workerd
// image, sent once per host and workerd version) and makes the edge
// container run it.
func (r *deployRun) ensureEdge(ctx context.Context) error {
	if r.edgeRef == "" {
		ref, err := r.edgeImage(ctx)
		if err != nil {
			return err
		}
		r.edgeRef = ref
	}
	bindIP := r.opts.BindIP
	if bindIP == "" {
		bindIP = "0.0.0.0"
	}
	withPrivate := len(r.opts.Project.Config.Containers) > 0
	// Checked whether the edge is replaced or kept: a network someone
	// changed since is refused here, before anything is sent.
	if _, _, err := r.t.ensureNetworks(ctx, withPrivate); err != nil {
		return err
	}
	ch, err := r.t.ensureEdge(ctx, edgeSpec{Image: r.edgeRef, Port: r.port(), BindIP: bindIP, Private: withPrivate})
	if err != nil {
		return err
	}
	r.res.Edge.Created = r.res.Edge.Created || ch.Created
	if ch.Replaced {
		r.res.Edge = ch
		r.em.Warn(fmt.Sprintf("the edge was replaced (new valet binary or port): the port was not served for %s", ch.Gap.Round(time.Millisecond)))
	}
	return nil
}

// edgeImage makes sure the host has the edge image: valet's linux binary on
// the workerd image of the host's architecture, each sent only when the
// host lacks it.
func (r *deployRun) edgeImage(ctx context.Context) (string, error) {
	bin, err := EdgeBinary(r.opts.EdgeBinary)
	if err != nil {
		return "", err
	}
	arch, err := hostArch(ctx, r.t.E)
	if err != nil {
		return "", err
	}
	if err := checkMachine(bin, arch); err != nil {
		return "", err
	}
	wd, err := r.opts.edgeWorkerd(arch)
	if err != nil {
		return "", err
	}
	base := r.opts.EdgeBase
	if base == "" {
		base = os.Getenv(EnvEdgeBase)
	}
	rref, built, sent, err := ensureRuntimeImage(ctx, r.t.E, runtimeImage{Workerd: wd, Arch: arch, Base: base})
	if err != nil {
		return "", err
	}
	if built {
		r.em.Info(fmt.Sprintf("sent workerd %s to %s, once for this workerd version (image %s, %s)", orNone(wd.Version), r.t.E.Host(), rref, text.Bytes(sent)))
	}
	r.res.Bytes += sent
	ref, built, sent, err := ensureEdgeImage(ctx, r.t.E, bin, rref)
	if err != nil {
		return "", err
	}
	if built {
		r.em.Info(fmt.Sprintf("built the edge image %s on %s (%s sent)", ref, r.t.E.Host(), text.Bytes(sent)))
	}
	r.res.Bytes += sent
	return ref, nil
}

// lock takes the deploy lock through the running edge, before anything on
// the host changes. The lock lives in the state volume, so it stays held
// when the edge step replaces the edge container. With no edge running
// yet (a first deploy) the edge is started first: the lock needs it.
func (r *deployRun) lock(ctx context.Context) error {
	if r.opts.DryRun {
		return nil
	}
	ok, err := r.t.attachEdge(ctx)
	if err != nil {
		return err
	}
	if !ok {
		if err := r.ensureEdge(ctx); err != nil {
			return err
		}
	}
	held, err := r.t.acquire(ctx, "deploy", r.em)
	if err != nil {
		return err
	}
	r.held = held
	return nil
}

func (r *deployRun) plan(ctx context.Context) error {
	m := r.manifest
	var hashes []string
	seen := map[string]bool{}
	for _, f := range edgehost.Files(m) {
		if !seen[f.Hash] {
			seen[f.Hash] = true
			hashes = append(hashes, f.Hash)
		}
	}
	r.state = &edgehost.State{}
	r.missing = hashes
	if r.t.EdgeID() != "" {
		st, err := r.t.State(ctx)
		if err != nil {
			return err
		}
		r.state = st
		if r.missing, err = r.t.missing(ctx, hashes); err != nil {
			return err
		}
	}
	r.res.Previous = r.state.Active
	r.res.Summary = r.summary(ctx)
	var bytes int64
	size := map[string]int64{}
	for _, f := range edgehost.Files(m) {
		size[f.Hash] = f.Size
	}
	for _, h := range r.missing {
		bytes += size[h]
	}
	if r.state.Active == m.Version {
		r.em.Info(fmt.Sprintf("version %s is already serving on %s: nothing to do", m.Version, r.t.E.Host()))
		return pipeline.ErrStop
	}
	if r.opts.DryRun {
		r.em.Info(fmt.Sprintf("would upload %d of %d files (%s) and switch %s from %s to %s (%s)",
			len(r.missing), len(hashes), text.Bytes(bytes), r.t.App, orNone(r.state.Active), m.Version, r.res.Summary))
		if l := r.state.Lock; l != nil {
			r.em.Warn("the deploy lock is held by " + l.String())
		}
		for _, im := range m.Images {
			r.em.Info(fmt.Sprintf("image %s (%s): %s", im.Class, im.Ref, r.imagePlan(ctx, im)))
		}
		return pipeline.ErrStop
	}
	return nil
}

func (r *deployRun) imagePlan(ctx context.Context, im build.ImageEntry) string {
	if _, ok, _ := r.t.E.ImageExists(ctx, im.ID); ok {
		return "already on the host"
	}
	return "would be sent"
}

func (r *deployRun) summary(ctx context.Context) string {
	switch {
	case r.state.Active == "":
		return "first version"
	case r.state.Active == r.manifest.Version:
		return "no change"
	}
	b, err := r.t.readFile(ctx, edgehost.DefaultStateDir+"/versions/"+r.state.Active+"/manifest.json")
	if err != nil {
		return "new version"
	}
	var old build.Manifest
	if json.Unmarshal(b, &old) != nil {
		return "new version"
	}
	return edgehost.Diff(&old, r.manifest)
}

// missing asks the host which hashes it lacks, in batches that keep the
// exec's argument list small.
func (t *Target) missing(ctx context.Context, hashes []string) ([]string, error) {
	var out []string
	for len(hashes) > 0 {
		n := min(len(hashes), 2000)
		var got []string
		if err := t.edgeOK(ctx, &got, append([]string{"missing"}, hashes[:n]...)...); err != nil {
			return nil, err
		}
		out = append(out, got...)
		hashes = hashes[n:]
	}
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// HealthCheckError is a new version that did not pass its check; the old
// one keeps serving.
type HealthCheckError struct {
	Version, Serving string
	Result           *edgehost.ActivateResult
}

func (e *HealthCheckError) Error() string {
	var b strings.Builder
	res := e.Result
	fmt.Fprintf(&b, "version %s did not take traffic: %s", e.Version, res.Error)
	if c := res.Check; c != nil {
		what := fmt.Sprintf("status %d", c.Status)
		if c.Error != "" {
			what = c.Error
		}
		fmt.Fprintf(&b, "\n  GET %s → %s (%d attempts in %s)", c.Path, what, c.Attempts, c.Duration.Duration().Round(time.Millisecond))
		if c.Body != "" {
			fmt.Fprintf(&b, "\n  response: %s", strings.TrimSpace(c.Body))
		}
	}
	fmt.Fprintf(&b, "\n  %s is still serving; nothing was removed", orNone(e.Serving))
	// A worker that failed to load has its lines in the error already.
	var logs []string
	for _, l := range res.Logs {
		msg := l // "[source] message"
		if _, m, ok := strings.Cut(l, "] "); ok && strings.HasPrefix(l, "[") {
			msg = m
		}
		if !strings.Contains(res.Error, msg) {
			logs = append(logs, l)
		}
	}
	if len(logs) > 0 {
		b.WriteString("\n  last log lines:\n    " + strings.Join(logs, "\n    "))
	}
	b.WriteString("\n  Fix the check (deploy.healthcheck.path, interval, timeout, deadline) or the app, then deploy again")
	return b.String()
}
