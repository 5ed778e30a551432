package deploy

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// images sends each host the images it lacks (by ID): docker save on the
// local engine streamed into docker load on the host, one host after the
// other. With deploy.build "remote" they were built on the first host,
// which the others get them from.
func (r *deployRun) images(ctx context.Context) error {
	sentAny := false
	for _, h := range r.pending() {
		sent, err := r.imagesTo(ctx, h)
		if err != nil {
			return err
		}
		sentAny = sentAny || sent
	}
	if !sentAny {
		return events.Skip("nothing to send")
	}
	return nil
}

func (r *deployRun) imagesTo(ctx context.Context, h *hostRun) (bool, error) {
	var refs []string
	var sent []build.ImageEntry
	for _, im := range r.manifest.Images {
		if _, ok, err := h.t.E.ImageExists(ctx, im.ID); err != nil {
			return false, err
		} else if !ok {
			refs = append(refs, im.Ref)
			sent = append(sent, im)
		}
	}
	if len(refs) == 0 {
		return false, nil
	}
	connect := r.opts.Local
	if r.remoteBuild() {
		if h == r.hosts[0] {
			return false, fmt.Errorf("images %v are not on %s after the remote build", refs, h.t.E.Host())
		}
		connect = func(ctx context.Context) (*engine.Engine, error) { return r.opts.connectTo(ctx, r.hosts[0].cfg.Host) }
	}
	if connect == nil {
		connect = func(ctx context.Context) (*engine.Engine, error) { return engine.Connect(ctx, engine.Options{}) }
	}
	local, err := connect(ctx)
	if err != nil {
		return false, fmt.Errorf("read the images from the engine they were built on: %w", err)
	}
	defer local.Close()
	// Saved by reference, so that they arrive tagged (an untagged image is
	// dangling: an image prune on the host would remove it); the reference
	// must still name the image that was built.
	for _, im := range sent {
		id, ok, err := local.ImageExists(ctx, im.Ref)
		if err != nil {
			return false, err
		}
		if !ok || id != im.ID {
			return false, fmt.Errorf("image %s of class %s is no longer the one this build made (%s) on %s; build and deploy again", im.Ref, im.Class, im.ID, local.Host())
		}
	}
	rc, err := local.SaveImages(ctx, refs)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	pr := &progressReader{r: rc, em: r.em, step: "images"}
	if _, err := h.t.E.LoadImages(ctx, pr); err != nil {
		return false, err
	}
	pr.report(true)
	// The edge starts the objects' containers by these IDs.
	for _, im := range sent {
		if _, ok, err := h.t.E.ImageExists(ctx, im.ID); err != nil {
			return false, err
		} else if !ok {
			return false, fmt.Errorf("image %s (%s) of class %s is not on %s after loading it; deploy again", im.Ref, im.ID, im.Class, h.t.E.Host())
		}
	}
	h.res.Images = len(refs)
	h.res.Bytes += pr.n.Load()
	return true, nil
}

// upload sends each host the manifest and the files it lacks, one host
// after the other.
func (r *deployRun) upload(ctx context.Context) error {
	for _, h := range r.pending() {
		if err := r.uploadTo(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// uploadTo sends the manifest and the files the host lacks into
// /state/incoming/<tx>, then has the edge move them into place.
func (r *deployRun) uploadTo(ctx context.Context, h *hostRun) error {
	tx := newTx()
	mb, err := json.Marshal(r.manifest)
	if err != nil {
		return err
	}
	paths := map[string]string{}
	var total int64
	for _, f := range edgehost.Files(r.manifest) {
		paths[f.Hash] = filepath.Join(r.dir, filepath.FromSlash(f.Path))
	}
	for _, hash := range h.missing {
		if fi, err := os.Stat(paths[hash]); err == nil {
			total += fi.Size()
		}
	}
	cw := &progressWriter{em: r.em, step: "upload", total: total}
	err = h.t.upload(ctx, func(tw *tar.Writer) error {
		for _, d := range []string{tx, tx + "/blobs"} {
			if err := tw.WriteHeader(&tar.Header{Name: d + "/", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Now()}); err != nil {
				return err
			}
		}
		if err := writeTarFile(tw, tx+"/manifest.json", 0o644, mb); err != nil {
			return err
		}
		for _, hash := range h.missing {
			if err := copyTarFile(tw, tx+"/blobs/"+hash, paths[hash], cw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.report(true)
	h.res.Files = len(h.missing)
	h.res.Bytes += cw.n.Load() + int64(len(mb))
	var rec edgehost.VersionRecord
	if err := h.t.edgeOK(ctx, &rec, "stage", tx); err != nil {
		return fmt.Errorf("stage version %s on %s: %w", r.manifest.Version, h.t.E.Host(), err)
	}
	return nil
}

// activate switches the hosts to the new version one at a time: each
// loads it beside the old one (in a cluster, as a new instance, ready once
// it joined), checks it, swaps, drains, and stops the old one (in a
// cluster, which hands its objects to its peers) before the next host
// starts. A host that fails stops the roll, and the hosts switched before
// it are switched back, one at a time: the old version keeps serving
// everywhere.
func (r *deployRun) activate(ctx context.Context) error {
	var done []*hostRun
	for _, h := range r.pending() {
		start := time.Now()
		res, err := h.t.activate(ctx, r.manifest.Version, h.state.Active)
		h.res.Switch = events.Millis(time.Since(start))
		if res != nil {
			h.res.Check, h.res.Drain, h.res.Pruned = res.Check, res.Drain, res.Pruned
		}
		if err != nil {
			return r.undo(ctx, done, err)
		}
		h.res.Switched = true
		done = append(done, h)
		if len(r.hosts) > 1 {
			r.em.Info(fmt.Sprintf("%s serves %s (switched in %s)", hostLabel(h.cfg.Host), r.manifest.Version, h.res.Switch.Duration().Round(time.Millisecond)))
		}
		h.t.removeImages(ctx, res.Pruned, r.em)
	}
	return nil
}

// undo switches the hosts of done back to the versions they served, in
// reverse order, after err stopped the roll.
func (r *deployRun) undo(ctx context.Context, done []*hostRun, err error) error {
	if len(done) == 0 {
		return err
	}
	var failed []string
	for i := len(done) - 1; i >= 0; i-- {
		h := done[i]
		if h.state.Active == "" {
			continue // it served nothing before: there is nothing to go back to
		}
		if _, uerr := h.t.activate(ctx, h.state.Active, r.manifest.Version); uerr != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", hostLabel(h.cfg.Host), uerr))
			continue
		}
		h.res.Switched, h.res.RolledBack = false, true
		r.em.Warn(fmt.Sprintf("%s switched back to %s", hostLabel(h.cfg.Host), h.state.Active))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w\n  switching the hosts already switched back failed too, they serve %s:\n    %s",
			err, r.manifest.Version, strings.Join(failed, "\n    "))
	}
	return err
}

// activate asks the edge to switch to id; a failed check is a *HealthCheckError.
func (t *Target) activate(ctx context.Context, id, serving string) (*edgehost.ActivateResult, error) {
	var res edgehost.ActivateResult
	x, err := t.edge(ctx, &res, "activate", id)
	if err != nil {
		return nil, err
	}
	if x.Code != 0 || !res.OK {
		if res.Error == "" {
			res.Error = fmt.Sprintf("exit %d: %s", x.Code, x.Stderr)
		}
		return &res, &HealthCheckError{Version: id, Serving: serving, Result: &res}
	}
	return &res, nil
}

// removeImages removes the images of pruned versions; one still in use
// (by a kept version or a container) stays.
func (t *Target) removeImages(ctx context.Context, pruned []edgehost.VersionRecord, em *events.Emitter) {
	st, err := t.State(ctx)
	if err != nil {
		return
	}
	used := map[string]bool{}
	for _, v := range st.History {
		for _, id := range v.Images {
			used[id] = true
		}
	}
	for _, v := range pruned {
		for _, id := range v.Images {
			if !used[id] {
				if err := t.E.RemoveImage(ctx, id, false); err != nil {
					em.Warn(fmt.Sprintf("image %s of version %s stays: %v", id, v.ID, err))
				}
			}
		}
	}
}

func newTx() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "tx-" + hex.EncodeToString(b)
}

func writeTarFile(tw *tar.Writer, name string, mode int64, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), Typeflag: tar.TypeReg, ModTime: time.Now()}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func copyTarFile(tw *tar.Writer, name, src string, counter io.Writer) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("read %s: %w (build again)", src, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: fi.Size(), Typeflag: tar.TypeReg, ModTime: fi.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(io.MultiWriter(tw, counter), f)
	return err
}

// progressWriter counts bytes and emits Progress events, at most every 100ms.
type progressWriter struct {
	em    *events.Emitter
	step  string
	total int64
	n     atomic.Int64
	last  time.Time
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.n.Add(int64(len(b)))
	p.report(false)
	return len(b), nil
}

func (p *progressWriter) report(final bool) {
	if !final && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.em.Emit(events.Event{Kind: events.Progress, Step: p.step, Bytes: p.n.Load(), Total: p.total})
}

type progressReader struct {
	r    io.Reader
	em   *events.Emitter
	step string
	n    atomic.Int64
	last time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	p.report(false)
	return n, err
}

func (p *progressReader) report(final bool) {
	if !final && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.em.Emit(events.Event{Kind: events.Progress, Step: p.step, Bytes: p.n.Load()})
}
