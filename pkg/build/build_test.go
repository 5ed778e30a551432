package build

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

func TestMain(m *testing.M) { enginetest.Main(m) }

const configText = `{
  "name": "buildtest",
  "main": "worker/index.ts",
  "compatibility_date": "2025-06-01",
  "frontend": { "entry": "index.html" },
  "assets": { "directory": "./dist", "not_found_handling": "single-page-application" },
  "containers": [{ "class_name": "Box", "image": "./box/Dockerfile" }],
  "durable_objects": { "bindings": [{ "name": "BOX", "class_name": "Box" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Box"] }]
}
`

// project writes a small app: a worker exporting a Durable Object class, a
// Vite-style frontend, and a container whose image is FROM scratch.
func project(t *testing.T) *config.Project {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"valet.jsonc":       configText,
		"worker/index.ts":   "export class Box {}\nexport default { fetch() { return new Response(`hi ${1 + 1}`) } }\n",
		"index.html":        "<!doctype html><html><head><title>t</title></head><body><script type=\"module\" src=\"/src/main.ts\"></script></body></html>\n",
		"src/main.ts":       "document.body.append('hello')\n",
		"public/robots.txt": "User-agent: *\n",
		"box/Dockerfile":    "FROM scratch\nCOPY data.txt /data.txt\n",
		"box/data.txt":      "box\n",
		"box/.dockerignore": "ignored.txt\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := config.Load(config.LoadOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func stepKinds(rec *events.Recorder) map[string]events.Kind {
	out := map[string]events.Kind{}
	for _, e := range rec.Events() {
		if e.Step != "" && e.Kind != events.StepStarted && e.Kind != events.Log {
			out[e.Step] = e.Kind
		}
	}
	return out
}

func TestBuildBundlesAndManifest(t *testing.T) {
	p := project(t)
	rec := &events.Recorder{}
	res, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(rec), SkipImages: true})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.Worker == nil || m.Worker.Path != "worker.js" || m.Map == nil {
		t.Fatalf("manifest worker = %+v, map = %+v", m.Worker, m.Map)
	}
	var html, js, robots bool
	for _, a := range m.Assets {
		html = html || a.Path == "assets/index.html"
		js = js || (strings.HasPrefix(a.Path, "assets/assets/index-") && strings.HasSuffix(a.Path, ".js"))
		robots = robots || a.Path == "assets/robots.txt"
		if len(a.Hash) != 64 {
			t.Errorf("asset %s hash %q", a.Path, a.Hash)
		}
	}
	if !html || !js || !robots {
		t.Fatalf("assets missing from the manifest: %+v", m.Assets)
	}
	if len(m.Version) != 12 || !strings.HasPrefix(m.Digest, "sha256:"+m.Version) {
		t.Fatalf("version %q digest %q", m.Version, m.Digest)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "assets", "index.html")); err != nil {
		t.Fatal(err)
	}
	read, err := ReadManifest(res.Dir)
	if err != nil || read.Digest != m.Digest {
		t.Fatalf("ReadManifest = %+v, %v", read, err)
	}

	// Nothing changed: both bundles are skipped and the version is the same.
	rec2 := &events.Recorder{}
	res2, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(rec2), SkipImages: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := stepKinds(rec2)
	if kinds["frontend"] != events.StepSkipped || kinds["worker"] != events.StepSkipped {
		t.Fatalf("no-change build should skip the bundles: %v", kinds)
	}
	if res2.Manifest.Digest != m.Digest {
		t.Fatalf("no-change build changed the version: %s → %s", m.Version, res2.Manifest.Version)
	}

	// A changed worker source is rebuilt and changes the version.
	if err := os.WriteFile(filepath.Join(p.Dir, "worker/index.ts"), []byte("export class Box {}\nexport default { fetch() { return new Response('changed!') } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec3 := &events.Recorder{}
	res3, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(rec3), SkipImages: true})
	if err != nil {
		t.Fatal(err)
	}
	if k := stepKinds(rec3); k["worker"] != events.StepDone || k["frontend"] != events.StepSkipped {
		t.Fatalf("after a worker edit: %v", k)
	}
	if res3.Manifest.Digest == m.Digest {
		t.Fatal("a worker edit did not change the version")
	}

	// A new file in public/ is noticed although nothing imports it.
	if err := os.WriteFile(filepath.Join(p.Dir, "public/new.txt"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec4 := &events.Recorder{}
	if _, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(rec4), SkipImages: true}); err != nil {
		t.Fatal(err)
	}
	if k := stepKinds(rec4); k["frontend"] != events.StepDone {
		t.Fatalf("a new public file should rebuild the frontend: %v", k)
	}
}

// A step the build does not run is reported skipped with its reason, as a
// step that found its work done is.
func TestBuildReportsSkipReasons(t *testing.T) {
	p := project(t)
	rec := &events.Recorder{}
	if _, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(rec), SkipImages: true}); err != nil {
		t.Fatal(err)
	}
	skips := map[string]string{}
	for _, e := range rec.Events() {
		if e.Kind == events.StepSkipped {
			skips[e.Step] = e.Message
		}
	}
	want := map[string]string{"custom build": "no build.command", "images": "--no-images"}
	for step, reason := range want {
		if got, ok := skips[step]; !ok || got != reason {
			t.Errorf("step %q: skipped %v with reason %q, want skipped: %s (all skips: %v)", step, ok, got, reason, skips)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	t.Run("syntax error at its position", func(t *testing.T) {
		p := project(t)
		if err := os.WriteFile(filepath.Join(p.Dir, "worker/index.ts"), []byte("export default {\n  fetch() { return new Response( }\n}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Run(context.Background(), Options{Project: p, SkipImages: true})
		if err == nil || !strings.Contains(err.Error(), "worker/index.ts:2:") {
			t.Fatalf("want worker/index.ts:2:col, got %v", err)
		}
	})
	t.Run("custom build command failing", func(t *testing.T) {
		p := project(t)
		p.Config.Build = &config.Build{Command: "echo making; echo broken >&2; exit 3"}
		_, err := Run(context.Background(), Options{Project: p, SkipImages: true})
		var ce *CommandError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "broken") || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("want a CommandError with the output, got %v", err)
		}
	})
	t.Run("missing main", func(t *testing.T) {
		p := project(t)
		p.Config.Main = "worker/nope.ts"
		_, err := Run(context.Background(), Options{Project: p, SkipImages: true})
		if err == nil || !strings.Contains(err.Error(), "worker/nope.ts") {
			t.Fatalf("want an error naming main, got %v", err)
		}
	})
}

func TestBuildImages(t *testing.T) {
	e := enginetest.Connect(t)
	p := project(t)
	// Unique per test run so a cached image from an earlier run is not found.
	p.Config.Name = "buildtest-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "-" + filepath.Base(p.Dir)
	connect := func(context.Context) (*engine.Engine, error) { return e, nil }
	res, err := Run(context.Background(), Options{Project: p, Engine: connect})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Manifest.Images) != 1 || res.Manifest.Images[0].ID == "" || res.Manifest.Images[0].Cached {
		t.Fatalf("images = %+v", res.Manifest.Images)
	}
	t.Cleanup(func() { _ = e.RemoveImage(context.Background(), res.Manifest.Images[0].Ref, true) })

	// An ignored file changes nothing; the image is not rebuilt.
	if err := os.WriteFile(filepath.Join(p.Dir, "box/ignored.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	res2, err := Run(context.Background(), Options{Project: p, Engine: connect})
	if err != nil {
		t.Fatal(err)
	}
	if im := res2.Manifest.Images[0]; !im.Cached || im.ID != res.Manifest.Images[0].ID {
		t.Fatalf("second build should reuse the image: %+v", im)
	}
	if res2.Manifest.Digest != res.Manifest.Digest {
		t.Fatal("no-change build changed the version")
	}
}

// TestCustomBuildFindsNpmBins: build.command calls the project's npm
// binaries by name, as `npm run` does, before any of the same name on PATH,
// and those hoisted to a workspace root above the project.
func TestCustomBuildFindsNpmBins(t *testing.T) {
	p := project(t)
	tool := func(dir, name, body string) {
		t.Helper()
		bin := filepath.Join(dir, "node_modules", ".bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tool(p.Dir, "bundler", `echo "project bundler $1" > built.txt`)
	tool(filepath.Dir(p.Dir), "hoisted", `echo hoisted >> built.txt`)
	shadow := t.TempDir()
	if err := os.WriteFile(filepath.Join(shadow, "bundler"), []byte("#!/bin/sh\necho shadowed > built.txt\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p.Config.Build = &config.Build{Command: "bundler --ok && hoisted"}
	environ := []string{"PATH=" + shadow + string(filepath.ListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if _, err := Run(context.Background(), Options{Project: p, SkipImages: true, Environ: environ}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(p.Dir, "built.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "project bundler --ok\nhoisted\n" {
		t.Errorf("built.txt = %q, want the project's bundler then the hoisted tool", got)
	}
}

// TestBuildSkipsLinksOutOfTheProject: a symbolic link in public/ or in a
// ready assets directory whose target lies outside the project is neither
// copied nor listed in the manifest, and a warning names it; links to the
// project's own files are copied as their targets.
func TestBuildSkipsLinksOutOfTheProject(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP SECRET"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := func(target, at string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, at); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, p *config.Project, leak, kept string) {
		t.Helper()
		rec := &events.Recorder{}
		res, err := Run(context.Background(), Options{Project: p, Events: events.NewEmitter(rec), SkipImages: true})
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, a := range res.Manifest.Assets {
			paths = append(paths, a.Path)
		}
		leaked := slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, "assets/"+leak) })
		if leaked || !slices.Contains(paths, "assets/"+kept) {
			t.Errorf("manifest assets = %q: want %s, not %s", paths, kept, leak)
		}
		filepath.WalkDir(p.Dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if b, _ := os.ReadFile(path); strings.Contains(string(b), "TOP SECRET") {
					t.Errorf("%s holds the file from outside the project", path)
				}
			}
			return nil
		})
		var warned bool
		for _, e := range rec.Events() {
			warned = warned || e.Kind == events.Warning && strings.Contains(e.Message, leak) && strings.Contains(e.Message, "outside the project")
		}
		if !warned {
			t.Errorf("no warning names %s: %+v", leak, rec.Events())
		}
	}
	t.Run("public dir", func(t *testing.T) {
		p := project(t)
		link(secret, filepath.Join(p.Dir, "public", "leak.txt"))
		link("../shared.txt", filepath.Join(p.Dir, "public", "shared.txt"))
		if err := os.WriteFile(filepath.Join(p.Dir, "shared.txt"), []byte("shared"), 0o644); err != nil {
			t.Fatal(err)
		}
		check(t, p, "leak.txt", "shared.txt")
	})
	t.Run("assets dir", func(t *testing.T) {
		p := project(t)
		p.Config.Frontend = nil
		p.Config.Assets.Directory = "static"
		if err := os.MkdirAll(filepath.Join(p.Dir, "static"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p.Dir, "static", "index.html"), []byte("<p>hi"), 0o644); err != nil {
			t.Fatal(err)
		}
		link(filepath.Dir(secret), filepath.Join(p.Dir, "static", "leak"))
		link("index.html", filepath.Join(p.Dir, "static", "home.html"))
		check(t, p, "leak", "home.html")
	})
}

func TestOwnPaths(t *testing.T) {
	p := project(t)
	got := OwnPaths(p, filepath.Join(p.Dir, "state"), p.Dir, filepath.Dir(p.Dir), "")
	want := []string{filepath.Join(p.Dir, ".valet"), filepath.Join(p.Dir, "dist"), filepath.Join(p.Dir, "state")}
	if !slices.Equal(got, want) {
		t.Errorf("OwnPaths = %q, want %q (a directory holding the project is not set apart)", got, want)
	}
}

// TestBuildRootContextSameImage: with the Dockerfile at the project root
// (the context is the whole project), what valet writes there (.valet/,
// the frontend's output) is no input: two builds with nothing changed give
// the same image, even one that copies the whole context.
func TestBuildRootContextSameImage(t *testing.T) {
	e := enginetest.Connect(t)
	p := project(t)
	p.Config.Name = "buildroot-" + filepath.Base(p.Dir)
	p.Config.Containers[0].Image = "./Dockerfile"
	if err := os.WriteFile(filepath.Join(p.Dir, "Dockerfile"), []byte("FROM scratch\nCOPY . /app/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	connect := func(context.Context) (*engine.Engine, error) { return e, nil }
	first, err := Run(context.Background(), Options{Project: p, Engine: connect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.RemoveImage(context.Background(), first.Manifest.Images[0].ID, true) })
	second, err := Run(context.Background(), Options{Project: p, Engine: connect})
	if err != nil {
		t.Fatal(err)
	}
	a, b := first.Manifest.Images[0], second.Manifest.Images[0]
	if b.ID != a.ID || !b.Cached {
		t.Errorf("second build's image = %+v, want the first's %s, unbuilt", b, a.ID)
	}
	if second.Manifest.Digest != first.Manifest.Digest {
		t.Errorf("the version changed with nothing changed: %s → %s", first.Manifest.Version, second.Manifest.Version)
	}
}
