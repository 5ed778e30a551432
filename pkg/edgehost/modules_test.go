package edgehost

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/internal/testfs"
	"github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// A version's worker modules (module rules, find_additional_modules) travel
// with it: uploaded as files of the manifest, staged, and served by the
// host as wrangler dev serves them.
func TestHostServesTheWorkersModules(t *testing.T) {
	bin := workerdtest.Binary(t)
	fixture := filepath.Join("..", "..", "testdata", "conformance", "module-rules")
	app := testfs.Fixture(t, fixture)
	p, err := config.Load(config.LoadOptions{Path: filepath.Join(app, "additional.wrangler.jsonc")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := build.Run(context.Background(), build.Options{Project: p, SkipImages: true})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if len(m.WorkerModules) == 0 {
		t.Fatal("the build has no worker modules")
	}

	// Upload as the client does: each file once, by hash, then the manifest.
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(s.Dir, "incoming", "tx")
	for _, f := range Files(m) {
		b, err := os.ReadFile(filepath.Join(res.Dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		testfs.WriteFile(t, filepath.Join(in, "blobs", f.Hash), string(b))
	}
	mb, _ := json.Marshal(m)
	testfs.WriteFile(t, filepath.Join(in, "manifest.json"), string(mb))
	if _, err := s.Stage("tx"); err != nil {
		t.Fatal(err)
	}

	srv := &Server{store: s, opts: ServeOptions{Workerd: bin, Out: io.Discard}, engine: &engineLink{}, objects: workerd.NewObjects()}
	l, _, err := srv.load(context.Background(), m.Version, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.close() })
	h := httptest.NewServer(l.app.Edge.Worker)
	t.Cleanup(h.Close)

	var rec struct {
		Answers []struct {
			Path   string `json:"path"`
			Status int    `json:"status"`
			Body   string `json:"body"`
		} `json:"answers"`
	}
	b, err := os.ReadFile(filepath.Join(fixture, "wrangler-answers", "additional.wrangler.json"))
	if err != nil || json.Unmarshal(b, &rec) != nil {
		t.Fatalf("recorded answers: %v", err)
	}
	for _, a := range rec.Answers {
		if status, body := get(t, h.URL+a.Path); status != a.Status || body != a.Body {
			t.Errorf("GET %s = %d %s\n  wrangler dev: %d %s", a.Path, status, body, a.Status, a.Body)
		}
	}
}

func TestManifestModuleNamesStayInTheVersion(t *testing.T) {
	hash := strings.Repeat("a", 64)
	for _, mod := range []build.ModuleEntry{
		{FileEntry: build.FileEntry{Path: "modules/../../x", Hash: hash}, Name: "x", Type: "text"},
		{FileEntry: build.FileEntry{Path: "modules/x", Hash: hash}, Name: "../x", Type: "text"},
		{FileEntry: build.FileEntry{Path: "modules/x", Hash: hash}, Name: "/etc/x", Type: "text"},
		{FileEntry: build.FileEntry{Path: "modules/x", Hash: hash}, Name: "x", Type: "python"},
	} {
		m := &build.Manifest{Version: "abc", WorkerModules: []build.ModuleEntry{mod}}
		if err := validate(m); err == nil {
			t.Errorf("accepted %+v", mod)
		}
	}
	if err := validate(&build.Manifest{Version: "abc", WorkerMain: "../index.js"}); err == nil {
		t.Error("accepted a main module outside the version")
	}
	ok := &build.Manifest{Version: "abc", WorkerMain: "src/index.js", WorkerModules: []build.ModuleEntry{
		{FileEntry: build.FileEntry{Path: "modules/lang/en.js", Hash: hash}, Name: "lang/en.js", Type: "esModule"}}}
	if err := validate(ok); err != nil {
		t.Error(err)
	}
}
