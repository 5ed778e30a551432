package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/config"
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
	// bindIP, in tests, is the address each host publishes the port on
	// (several hosts on one machine need one each); nil: BindIP.
	bindIP func(config.DeployHost) string
	// clusterTest, in tests, shortens workerd's cluster times on the edges.
	clusterTest clusterTiming
}

// Result is what a deploy did. With several hosts, Hosts says what each
// one did; the other fields are the sums (files, bytes, images), all of
// them (switched), or the first host's.
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
	// Hosts is each host's part, in the order they were switched.
	Hosts []*HostResult `json:"hosts"`
	// Cluster is true when the hosts' instances share the Durable
	// Objects through deploy.cluster's bucket.
	Cluster bool `json:"cluster,omitempty"`
}

// HostResult is one host's part of a deploy.
type HostResult struct {
	Host     string                   `json:"host"`
	URL      string                   `json:"url"`
	Previous string                   `json:"previous,omitempty"`
	Summary  string                   `json:"summary"`
	Switched bool                     `json:"switched"`
	Files    int                      `json:"files_sent"`
	Bytes    int64                    `json:"bytes_sent"`
	Images   int                      `json:"images_sent"`
	Edge     EdgeChange               `json:"edge"`
	Check    *edgehost.CheckResult    `json:"check,omitempty"`
	Drain    events.Millis            `json:"drain_ms,omitempty"`
	Pruned   []edgehost.VersionRecord `json:"pruned,omitempty"`
	// Switch is how long its switch took: the new version loaded beside
	// the old, ready, checked, swapped, the old drained and stopped.
	Switch events.Millis `json:"switch_ms,omitempty"`
	// RolledBack: the deploy failed on a later host, and this one was
	// switched back to Previous.
	RolledBack bool `json:"rolled_back,omitempty"`
}

// deployRun is the state the steps share, after goreleaser's pipes.
type deployRun struct {
	opts     Options
	em       *events.Emitter
	res      *Result
	dir      string
	manifest *build.Manifest
	hosts    []*hostRun
	locks    *heldLocks
}

// hostRun is one host's part of the run.
type hostRun struct {
	cfg     config.DeployHost
	t       *Target
	edgeRef string // the edge image, once present on the host
	state   *edgehost.State
	missing []string
	res     *HostResult
}

// Run builds the app, ships what the hosts lack and switches them to the
// new version, one host at a time, each once the version passes its
// health check there. On any failure the version that was serving keeps
// serving: a host already switched is switched back. Everything that
// changes a host (the edge's replacement included) happens under its
// deploy lock, renewed while the deploy runs; the locks are taken in the
// config's order, so two clients never wait on each other.
func Run(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	r := &deployRun{opts: opts, em: opts.Events, res: &Result{App: opts.App(), DryRun: opts.DryRun, Cluster: opts.Cluster() != nil}}
	defer func() {
		if r.locks != nil {
			r.locks.release()
		}
		for _, h := range r.hosts {
			if h.t != nil {
				h.t.E.Close()
			}
		}
	}()
	err := pipeline.Run(ctx, r.em, deploySteps(), r)
	r.sum()
	if err != nil {
		return r.res, err
	}
	r.res.Duration = events.Millis(time.Since(start))
	return r.res, nil
}

// sum fills the result's totals from the hosts'.
func (r *deployRun) sum() {
	res := r.res
	res.Hosts, res.Files, res.Bytes, res.Images, res.Switched = nil, 0, 0, 0, false
	failed := false
	for i, h := range r.hosts {
		res.Hosts = append(res.Hosts, h.res)
		res.Files += h.res.Files
		res.Bytes += h.res.Bytes
		res.Images += h.res.Images
		res.Switched = res.Switched || h.res.Switched
		failed = failed || h.res.RolledBack
		if i == 0 {
			res.Host, res.URL, res.Previous, res.Summary = h.res.Host, h.res.URL, h.res.Previous, h.res.Summary
			res.Edge, res.Check, res.Drain, res.Pruned = h.res.Edge, h.res.Check, h.res.Drain, h.res.Pruned
		}
	}
	res.Switched = res.Switched && !failed
}

// deploySteps is the pipeline of a deploy. A step that finds nothing to do
// returns events.Skip; one after which nothing is left (no change, a dry
// run) returns pipeline.ErrStop.
func deploySteps() []pipeline.Step[*deployRun] {
	step := func(name string, run func(*deployRun, context.Context) error) pipeline.Step[*deployRun] {
		return pipeline.Step[*deployRun]{Name: name, Run: func(ctx context.Context, r *deployRun) error {
			if r.locks != nil {
				// From here on, losing a lock stops the deploy.
				ctx = r.locks.ctx
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
		{Name: "cluster", Skip: (*deployRun).noCluster, Run: step("cluster", (*deployRun).clusterSecrets).Run},
		step("plan", (*deployRun).plan),
		step("images", (*deployRun).images),
		step("upload", (*deployRun).upload),
		step("switch", (*deployRun).activate),
	}
}

// each runs fn for every host at once; the first error is returned once
// all are done.
func (r *deployRun) each(ctx context.Context, fn func(context.Context, *hostRun) error) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, h := range r.hosts {
		g.Go(func() error { return fn(gctx, h) })
	}
	return g.Wait()
}

// say prefixes a message with the host when there are several.
func (r *deployRun) say(h *hostRun, msg string) string {
	if len(r.hosts) < 2 {
		return msg
	}
	return hostLabel(h.cfg.Host) + ": " + msg
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

// connect reaches every host's engine, at once.
func (r *deployRun) connect(ctx context.Context) error {
	cfgs, err := r.opts.Hosts()
	if err != nil {
		return err
	}
	if err := r.checkCluster(cfgs); err != nil {
		return err
	}
	for _, c := range cfgs {
		r.hosts = append(r.hosts, &hostRun{cfg: c, res: &HostResult{}})
	}
	return r.each(ctx, func(ctx context.Context, h *hostRun) error {
		t, err := r.opts.targetAt(ctx, h.cfg)
		if err != nil {
			return err
		}
		h.t = t
		h.res.Host = t.E.Host()
		if err := r.needsSocket(t); err != nil {
			return err
		}
		h.res.URL = fmt.Sprintf("http://%s:%d", publicHost(t.E.Host()), r.port())
		return nil
	})
}

// needsSocket refuses an app with containers[] on a host whose engine
// socket cannot be mounted into the edge (tcp://): its objects could not
// start their containers, and the images would be shipped for nothing.
func (r *deployRun) needsSocket(t *Target) error {
	cfg := r.opts.Project.Config
	if len(cfg.Containers) == 0 || engineSocket(t.E.Host()) != "" {
		return nil
	}
	return fmt.Errorf("app %s has containers[], which its Durable Objects start through the host's Docker Engine socket, mounted into the edge; over %s no socket reaches the edge\n"+
		"  Deploy over ssh://user@host (the engine's socket on that host is mounted), or from the host itself over unix://", t.App, t.E.Host())
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

// edge makes every host's edge container run this valet (the lock step may
// have started it already): a new release replaces the running edge, under
// the lock.
func (r *deployRun) edge(ctx context.Context) error {
	return r.each(ctx, func(ctx context.Context, h *hostRun) error {
		if r.opts.DryRun {
			ok, err := h.t.attachEdge(ctx)
			if err != nil {
				return err
			}
			if !ok {
				r.em.Info(fmt.Sprintf("would start the edge container of %s on %s, port %d", h.t.App, h.t.E.Host(), r.port()))
			}
			return nil
		}
		return r.ensureEdge(ctx, h)
	})
}

// ensureEdge builds the edge image when the host lacks it (on the workerd
// image, sent once per host and workerd version) and makes the edge
// container run it.
func (r *deployRun) ensureEdge(ctx context.Context, h *hostRun) error {
	if h.edgeRef == "" {
		ref, err := r.edgeImage(ctx, h)
		if err != nil {
			return err
		}
		h.edgeRef = ref
	}
	bindIP := r.opts.BindIP
	if r.opts.bindIP != nil {
		bindIP = r.opts.bindIP(h.cfg)
	}
	if bindIP == "" {
		bindIP = "0.0.0.0"
	}
	withPrivate := len(r.opts.Project.Config.Containers) > 0
	// Checked whether the edge is replaced or kept: a network someone
	// changed since is refused here, before anything is sent.
	if _, _, err := h.t.ensureNetworks(ctx, withPrivate); err != nil {
		return err
	}
	cluster, err := r.clusterSpec(h)
	if err != nil {
		return err
	}
	ch, err := h.t.ensureEdge(ctx, edgeSpec{Image: h.edgeRef, Port: r.port(), BindIP: bindIP, Private: withPrivate, Cluster: cluster})
	if err != nil {
		return err
	}
	h.res.Edge.Created = h.res.Edge.Created || ch.Created
	if ch.Replaced {
		h.res.Edge = ch
		r.em.Warn(r.say(h, fmt.Sprintf("the edge was replaced (new valet binary, port or cluster address): the port was not served for %s", ch.Gap.Round(time.Millisecond))))
	}
	return nil
}

// edgeImage makes sure the host has the edge image: valet's linux binary on
// the workerd image of the host's architecture, each sent only when the
// host lacks it.
func (r *deployRun) edgeImage(ctx context.Context, h *hostRun) (string, error) {
	bin, err := EdgeBinary(r.opts.EdgeBinary)
	if err != nil {
		return "", err
	}
	arch, err := hostArch(ctx, h.t.E)
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
	rref, built, sent, err := ensureRuntimeImage(ctx, h.t.E, runtimeImage{Workerd: wd, Arch: arch, Base: base})
	if err != nil {
		return "", err
	}
	if built {
		r.em.Info(fmt.Sprintf("sent workerd %s to %s, once for this workerd version (image %s, %s)", orNone(wd.Version), h.t.E.Host(), rref, text.Bytes(sent)))
	}
	h.res.Bytes += sent
	ref, built, sent, err := ensureEdgeImage(ctx, h.t.E, bin, rref)
	if err != nil {
		return "", err
	}
	if built {
		r.em.Info(fmt.Sprintf("built the edge image %s on %s (%s sent)", ref, h.t.E.Host(), text.Bytes(sent)))
	}
	h.res.Bytes += sent
	return ref, nil
}

// lock takes the deploy lock on every host, in the config's order, through
// each running edge, before anything on a host changes. The lock lives in
// the state volume, so it stays held when the edge step replaces the edge
// container. A host with no edge running yet (a first deploy) has its edge
// started first: the lock needs it.
func (r *deployRun) lock(ctx context.Context) error {
	if r.opts.DryRun {
		return nil
	}
	err := r.each(ctx, func(ctx context.Context, h *hostRun) error {
		ok, err := h.t.attachEdge(ctx)
		if err != nil || ok {
			return err
		}
		return r.ensureEdge(ctx, h)
	})
	if err != nil {
		return err
	}
	locks, err := lockAll(ctx, r.targets(), "deploy", r.em)
	if err != nil {
		return err
	}
	r.locks = locks
	return nil
}

func (r *deployRun) targets() []*Target {
	ts := make([]*Target, len(r.hosts))
	for i, h := range r.hosts {
		ts[i] = h.t
	}
	return ts
}

// plan reads each host's state and asks it which files it lacks. The
// version already serving on every host ends the deploy here.
func (r *deployRun) plan(ctx context.Context) error {
	m := r.manifest
	var hashes []string
	seen := map[string]bool{}
	size := map[string]int64{}
	for _, f := range edgehost.Files(m) {
		size[f.Hash] = f.Size
		if !seen[f.Hash] {
			seen[f.Hash] = true
			hashes = append(hashes, f.Hash)
		}
	}
	err := r.each(ctx, func(ctx context.Context, h *hostRun) error {
		h.state = &edgehost.State{}
		h.missing = hashes
		if h.t.EdgeID() != "" {
			st, err := h.t.State(ctx)
			if err != nil {
				return err
			}
			h.state = st
			if h.missing, err = h.t.missing(ctx, hashes); err != nil {
				return err
			}
		}
		h.res.Previous = h.state.Active
		h.res.Summary = r.summary(ctx, h)
		return nil
	})
	if err != nil {
		return err
	}
	pending := r.pending()
	if len(pending) == 0 {
		where := r.hosts[0].t.E.Host()
		if len(r.hosts) > 1 {
			where = fmt.Sprintf("all %d hosts", len(r.hosts))
		}
		r.em.Info(fmt.Sprintf("version %s is already serving on %s: nothing to do", m.Version, where))
		return pipeline.ErrStop
	}
	if r.opts.DryRun {
		for _, h := range pending {
			var bytes int64
			for _, hash := range h.missing {
				bytes += size[hash]
			}
			r.em.Info(r.say(h, fmt.Sprintf("would upload %d of %d files (%s) and switch %s from %s to %s (%s)",
				len(h.missing), len(hashes), text.Bytes(bytes), h.t.App, orNone(h.state.Active), m.Version, h.res.Summary)))
			if l := h.state.Lock; l != nil {
				r.em.Warn(r.say(h, "the deploy lock is held by "+l.String()))
			}
			for _, im := range m.Images {
				r.em.Info(r.say(h, fmt.Sprintf("image %s (%s): %s", im.Class, im.Ref, imagePlan(ctx, h.t, im))))
			}
		}
		if len(r.hosts) > 1 {
			r.em.Info(fmt.Sprintf("would switch %d of %d hosts one at a time: %s", len(pending), len(r.hosts), strings.Join(labels(pending), ", ")))
		}
		return pipeline.ErrStop
	}
	return nil
}

// pending are the hosts not serving the version yet, in order.
func (r *deployRun) pending() []*hostRun {
	var out []*hostRun
	for _, h := range r.hosts {
		if h.state.Active != r.manifest.Version {
			out = append(out, h)
		}
	}
	return out
}

func labels(hs []*hostRun) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hostLabel(h.cfg.Host)
	}
	return out
}

func imagePlan(ctx context.Context, t *Target, im build.ImageEntry) string {
	if _, ok, _ := t.E.ImageExists(ctx, im.ID); ok {
		return "already on the host"
	}
	return "would be sent"
}

func (r *deployRun) summary(ctx context.Context, h *hostRun) string {
	switch {
	case h.state.Active == "":
		return "first version"
	case h.state.Active == r.manifest.Version:
		return "no change"
	}
	b, err := h.t.readFile(ctx, edgehost.DefaultStateDir+"/versions/"+h.state.Active+"/manifest.json")
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
