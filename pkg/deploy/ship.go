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
	"sync/atomic"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/events"
)

// images sends the images the host lacks (by ID): docker save on the local
// engine streamed into docker load on the host. With deploy.build "remote"
// they were built there.
func (r *deployRun) images(ctx context.Context) error {
	var refs []string
	var sent []build.ImageEntry
	for _, im := range r.manifest.Images {
		if _, ok, err := r.t.E.ImageExists(ctx, im.ID); err != nil {
			return err
		} else if !ok {
			refs = append(refs, im.Ref)
			sent = append(sent, im)
		}
	}
	if len(refs) == 0 {
		return events.Skip("nothing to send")
	}
	if r.remoteBuild() {
		return fmt.Errorf("images %v are not on %s after the remote build", refs, r.t.E.Host())
	}
	connect := r.opts.Local
	if connect == nil {
		connect = func(ctx context.Context) (*engine.Engine, error) { return engine.Connect(ctx, engine.Options{}) }
	}
	local, err := connect(ctx)
	if err != nil {
		return fmt.Errorf("read the images from the local engine: %w", err)
	}
	defer local.Close()
	// Saved by reference, so that they arrive tagged (an untagged image is
	// dangling: an image prune on the host would remove it); the reference
	// must still name the image that was built.
	for _, im := range sent {
		id, ok, err := local.ImageExists(ctx, im.Ref)
		if err != nil {
			return err
		}
		if !ok || id != im.ID {
			return fmt.Errorf("image %s of class %s is no longer the one this build made (%s) on %s; build and deploy again", im.Ref, im.Class, im.ID, local.Host())
		}
	}
	rc, err := local.SaveImages(ctx, refs)
	if err != nil {
		return err
	}
	defer rc.Close()
	pr := &progressReader{r: rc, em: r.em, step: "images"}
	if _, err := r.t.E.LoadImages(ctx, pr); err != nil {
		return err
	}
	pr.report(true)
	// The edge starts the objects' containers by these IDs.
	for _, im := range sent {
		if _, ok, err := r.t.E.ImageExists(ctx, im.ID); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("image %s (%s) of class %s is not on %s after loading it; deploy again", im.Ref, im.ID, im.Class, r.t.E.Host())
		}
	}
	r.res.Images = len(refs)
	r.res.Bytes += pr.n.Load()
	return nil
}

// upload sends the manifest and the files the host lacks into
// /state/incoming/<tx>, then has the edge move them into place.
func (r *deployRun) upload(ctx context.Context) error {
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
	for _, h := range r.missing {
		if fi, err := os.Stat(paths[h]); err == nil {
			total += fi.Size()
		}
	}
	cw := &progressWriter{em: r.em, step: "upload", total: total}
	err = r.t.upload(ctx, func(tw *tar.Writer) error {
		for _, d := range []string{tx, tx + "/blobs"} {
			if err := tw.WriteHeader(&tar.Header{Name: d + "/", Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Now()}); err != nil {
				return err
			}
		}
		if err := writeTarFile(tw, tx+"/manifest.json", 0o644, mb); err != nil {
			return err
		}
		for _, h := range r.missing {
			if err := copyTarFile(tw, tx+"/blobs/"+h, paths[h], cw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.report(true)
	r.res.Files = len(r.missing)
	r.res.Bytes += cw.n.Load() + int64(len(mb))
	var rec edgehost.VersionRecord
	if err := r.t.edgeOK(ctx, &rec, "stage", tx); err != nil {
		return fmt.Errorf("stage version %s: %w", r.manifest.Version, err)
	}
	return nil
}

// activate switches the host to the new version.
func (r *deployRun) activate(ctx context.Context) error {
	res, err := r.t.activate(ctx, r.manifest.Version, r.state.Active)
	if res != nil {
		r.res.Check, r.res.Drain, r.res.Pruned = res.Check, res.Drain, res.Pruned
	}
	if err != nil {
		return err
	}
	r.res.Switched = true
	r.t.removeImages(ctx, res.Pruned, r.em)
	return nil
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
