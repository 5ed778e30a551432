package edgehost

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
)

const containerCfg = `{"name":"demo","compatibility_date":"2025-06-01","containers":[{"class_name":"Box","image":"./Dockerfile"}],
"durable_objects":{"bindings":[{"name":"BOX","class_name":"Box"}]},
"deploy":{"healthcheck":{"path":"/health","interval":"50ms","deadline":"200ms"}}}`

const boxWorker = `export default { fetch(req, env) { return new Response("ok"); } };
export class Box { fetch() { return new Response("box"); } }`

// stageWithImages uploads and stages a version whose manifest names images.
func stageWithImages(t *testing.T, s *Store, tx string, images []build.ImageEntry) *build.Manifest {
	t.Helper()
	m := upload(t, s, tx, boxWorker, nil, containerCfg)
	m.Images = images
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(s.Dir, "incoming", tx, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stage(tx); err != nil {
		t.Fatal(err)
	}
	return m
}

func serveWith(t *testing.T, dir string, connect func(context.Context) (*engine.Engine, error)) string {
	t.Helper()
	_, control, _ := serveEdge(t, dir, connect)
	return control
}

// A version with containers[] says what is wrong when the edge has no
// engine; nothing switches.
func TestContainersNeedEngine(t *testing.T) {
	dir := t.TempDir()
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	control := serveWith(t, dir, func(context.Context) (*engine.Engine, error) {
		return nil, errors.New("no socket at /var/run/docker.sock")
	})
	m := stageWithImages(t, s, "tx1", []build.ImageEntry{{Class: "Box", Ref: "valet-demo-box:1", ID: "sha256:" + strings.Repeat("0", 64)}})
	res, err := activateVia(context.Background(), control, m.Version)
	if err != nil || res.OK || !strings.Contains(res.Error, "containers[] needs the host's Docker Engine") || !strings.Contains(res.Error, "no socket") {
		t.Fatalf("without an engine: %+v %v", res, err)
	}
	if st, _ := s.Read(); st.Active != "" {
		t.Fatalf("switched to %s", st.Active)
	}
}

// An image the deploy did not ship (or that was removed since) is named,
// with the fix.
func TestContainersMissingImage(t *testing.T) {
	e := enginetest.Connect(t)
	dir := t.TempDir()
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	control := serveWith(t, dir, func(ctx context.Context) (*engine.Engine, error) {
		return engine.Connect(ctx, engine.Options{Host: e.Host()})
	})
	m := stageWithImages(t, s, "tx1", []build.ImageEntry{{Class: "Box", Ref: "valet-demo-box:1", ID: "sha256:" + strings.Repeat("0", 64)}})
	res, err := activateVia(context.Background(), control, m.Version)
	if err != nil || res.OK || !strings.Contains(res.Error, "image 000000000000 (valet-demo-box:1) of class Box is not on") {
		t.Fatalf("missing image: %+v %v", res, err)
	}
	m2 := stageWithImages(t, s, "tx2", nil)
	res, _ = activateVia(context.Background(), control, m2.Version)
	if res.OK || !strings.Contains(res.Error, "no image was built for container class Box") {
		t.Fatalf("no image: %+v", res)
	}
}
