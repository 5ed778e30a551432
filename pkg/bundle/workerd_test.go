package bundle

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// serve runs a built worker on workerd as valet does (valet's entry in
// front of its main module, each module of the result under its name and
// type) and returns a function that GETs a path from it.
func serve(t *testing.T, res *WorkerResult, flags []string, bindings ...workerd.Binding) func(path string) (int, string) {
	t.Helper()
	bin := workerdtest.Binary(t)
	dir := t.TempDir()
	token := workerd.NewToken()
	write := func(name, typ string, content []byte) workerd.Module {
		p := filepath.Join(dir, "m", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		return workerd.Module{Name: name, Type: typ, Path: p}
	}
	mods := []workerd.Module{
		write(workerd.EntryModule, ModuleESM, []byte(workerd.Entry(workerd.EntryOptions{App: res.Main, HasDefault: slices.Contains(res.Exports, "default"), Token: token}))),
		write(workerd.RTModule, ModuleESM, []byte(workerd.RuntimeSource())),
		write(res.Main, ModuleESM, res.Script),
	}
	for _, m := range res.Modules {
		mods = append(mods, write(m.Name, m.Type, m.Content))
	}
	cfg := &workerd.Config{
		Service: "app", CompatibilityDate: "2025-06-01", CompatibilityFlags: flags,
		Modules: mods, Bindings: bindings, Control: workerd.ControlSource(token),
	}
	sock, err := workerd.ShortDir("b")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sock) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := workerd.Start(ctx, workerd.StartOptions{Binary: bin, Config: cfg, Dir: dir, SocketDir: sock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(context.Background()) })
	px := workerd.NewProxy(p.HTTPSocket(), "{}")
	srv := httptest.NewServer(px)
	t.Cleanup(func() { srv.Close(); _ = px.Close() })
	return func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}
