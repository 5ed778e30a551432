package scaffold

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailscale/hujson"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
)

// noExec fails the test if Create runs any program.
func noExec(t *testing.T) Exec {
	return func(_ context.Context, _ string, _ io.Writer, name string, args ...string) error {
		t.Errorf("unexpected exec: %s %v", name, args)
		return errors.New("no exec in this test")
	}
}

func create(t *testing.T, opts Options) (*Result, []events.Event) {
	t.Helper()
	rec := &events.Recorder{}
	opts.Events = rec
	if opts.Exec == nil {
		opts.Exec = noExec(t)
	}
	res, err := Create(context.Background(), opts)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return res, rec.Events()
}

// decodeJSONC reads a JSON-with-comments file strictly into v.
func decodeJSONC(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	std, err := hujson.Standardize(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(std))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestCreate_eachTemplate(t *testing.T) {
	for _, tmpl := range Templates() {
		t.Run(tmpl.Name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "my-app")
			res, evs := create(t, Options{Dir: dir, Name: "my-app", Template: tmpl.Name})

			for _, want := range []string{"valet.jsonc", "README.md", ".gitignore"} {
				if !slices.Contains(res.Files, want) {
					t.Errorf("files %v lack %s", res.Files, want)
				}
			}
			for _, f := range res.Files {
				if strings.HasPrefix(filepath.Base(f), "_") {
					t.Errorf("%s kept its stored name", f)
				}
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(data, []byte(NamePlaceholder)) {
					t.Errorf("%s still holds %s", f, NamePlaceholder)
				}
			}

			var cfg config.Config
			decodeJSONC(t, filepath.Join(dir, "valet.jsonc"), &cfg)
			if cfg.Name != "my-app" {
				t.Errorf("valet.jsonc name = %q", cfg.Name)
			}
			if cfg.Schema != "./.valet/valet.schema.json" {
				t.Errorf("valet.jsonc $schema = %q", cfg.Schema)
			}
			var pkg struct {
				Name    string            `json:"name"`
				Scripts map[string]string `json:"scripts"`
			}
			data, err := os.ReadFile(filepath.Join(dir, "package.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &pkg); err != nil {
				t.Fatalf("package.json: %v", err)
			}
			if pkg.Name != "my-app" || pkg.Scripts["dev"] != "valet dev" {
				t.Errorf("package.json name %q, scripts %v", pkg.Name, pkg.Scripts)
			}
			if cfg.Main != "" {
				if _, err := os.Stat(filepath.Join(dir, cfg.Main)); err != nil {
					t.Errorf("main %s: %v", cfg.Main, err)
				}
			}

			var logged int
			for _, e := range evs {
				if e.Kind == events.Log && e.Step == StepFiles {
					logged++
				}
			}
			if logged != len(res.Files) {
				t.Errorf("%d file events for %d files", logged, len(res.Files))
			}
			if res.Installed || res.Git {
				t.Errorf("installed=%v git=%v without being asked", res.Installed, res.Git)
			}
			wantSteps := []string{"cd " + dir, "valet dev"}
			if tmpl.Install {
				wantSteps = []string{"cd " + dir, "npm install", "valet dev"}
			}
			if !slices.Equal(res.NextSteps, wantSteps) {
				t.Errorf("next steps %q, want %q", res.NextSteps, wantSteps)
			}
		})
	}
}

func TestCreate_containerApp(t *testing.T) {
	dir := t.TempDir()
	create(t, Options{Dir: dir, Name: "shop", Template: "container-app"})

	var cfg config.Config
	decodeJSONC(t, filepath.Join(dir, "valet.jsonc"), &cfg)
	if cfg.Main != "worker/index.ts" || cfg.Assets == nil || cfg.Assets.Directory != "./dist" ||
		cfg.Assets.NotFoundHandling != "single-page-application" || cfg.Assets.Binding != "ASSETS" {
		t.Errorf("main/assets: %q %+v", cfg.Main, cfg.Assets)
	}
	if len(cfg.Containers) != 1 || cfg.Containers[0].ClassName != "Container" || cfg.Containers[0].Image != "./backend/Dockerfile" {
		t.Errorf("containers: %+v", cfg.Containers)
	}
	if cfg.DurableObjects == nil || len(cfg.DurableObjects.Bindings) != 1 || cfg.DurableObjects.Bindings[0].Name != "CONTAINER" {
		t.Errorf("durable_objects: %+v", cfg.DurableObjects)
	}
	if len(cfg.Migrations) != 1 || !slices.Equal(cfg.Migrations[0].NewSqliteClasses, []string{"Container"}) {
		t.Errorf("migrations: %+v", cfg.Migrations)
	}
	if cfg.Build == nil || cfg.Build.Command != "./backend/build.sh" {
		t.Errorf("build: %+v", cfg.Build)
	}

	info, err := os.Stat(filepath.Join(dir, "backend", "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o111 == 0 {
		t.Errorf("backend/build.sh mode %v, want executable", info.Mode())
	}
	if info, err := os.Stat(filepath.Join(dir, "valet.jsonc")); err != nil || info.Mode().Perm()&0o111 != 0 {
		t.Errorf("valet.jsonc mode %v (%v), want not executable", info.Mode(), err)
	}
	for _, f := range []string{"backend/go.mod", "worker/tsconfig.json", "src/main.tsx", "public/favicon.svg", ".dev.vars.example"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	if !strings.Contains(string(html), "<title>shop</title>") || !strings.Contains(string(html), `src="/src/main.tsx"`) {
		t.Errorf("index.html:\n%s", html)
	}
	// Only the listed kinds of files are substituted: code keeps its braces.
	app, _ := os.ReadFile(filepath.Join(dir, "src", "App.tsx"))
	if strings.Contains(string(app), "shop") {
		t.Error("src/App.tsx was substituted")
	}
}

func TestCreate_assetsHasNoWorker(t *testing.T) {
	dir := t.TempDir()
	create(t, Options{Dir: dir, Name: "site", Template: "assets"})
	var cfg config.Config
	decodeJSONC(t, filepath.Join(dir, "valet.jsonc"), &cfg)
	if cfg.Main != "" || cfg.Assets == nil || cfg.Assets.Directory != "./public" || cfg.Assets.NotFoundHandling != "404-page" {
		t.Errorf("main %q, assets %+v", cfg.Main, cfg.Assets)
	}
	for _, f := range []string{"public/index.html", "public/404.html", "public/style.css"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestCreate_refusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Create(context.Background(), Options{Dir: dir, Name: "app", Exec: noExec(t)})
	if !errors.Is(err, ErrDirNotEmpty) {
		t.Fatalf("err = %v, want ErrDirNotEmpty", err)
	}
	var input *InputError
	if !errors.As(err, &input) || input.ExitCode() != 2 {
		t.Errorf("err %T is not an InputError with exit code 2", err)
	}
	for _, want := range []string{dir, "--force", "notes.txt"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %q", err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("wrote into the refused directory: %d entries", len(entries))
	}
}

func TestCreate_forceKeepsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "notes.txt"), "mine")
	mustWrite(t, filepath.Join(dir, "valet.jsonc"), "old")
	_, evs := create(t, Options{Dir: dir, Name: "app", Template: "worker", Force: true})
	if got := mustRead(t, filepath.Join(dir, "notes.txt")); got != "mine" {
		t.Errorf("notes.txt = %q", got)
	}
	if got := mustRead(t, filepath.Join(dir, "valet.jsonc")); got == "old" {
		t.Error("valet.jsonc not replaced")
	}
	var replaced bool
	for _, e := range evs {
		replaced = replaced || (e.Source == "replace" && e.Message == "valet.jsonc")
	}
	if !replaced {
		t.Error("no event says valet.jsonc was replaced")
	}
}

func TestCreate_ignorableEntriesCountAsEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "LICENSE"), "MIT")
	create(t, Options{Dir: dir, Name: "app", Template: "assets"})
}

func TestCreate_inputErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	mustWrite(t, file, "x")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad name", Options{Dir: t.TempDir(), Name: "My App"}, `invalid app name "My App"`},
		{"suggests a name", Options{Dir: t.TempDir(), Name: "My App"}, `"my-app"`},
		{"unknown template", Options{Dir: t.TempDir(), Name: "a", Template: "workr"}, `did you mean "worker"`},
		{"lists templates", Options{Dir: t.TempDir(), Name: "a", Template: "x"}, "assets, container-app, worker"},
		{"not a directory", Options{Dir: file, Name: "a"}, "is not a directory"},
		{"no dir", Options{Name: "a"}, "no directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Exec = noExec(t)
			_, err := Create(context.Background(), tt.opts)
			var input *InputError
			if !errors.As(err, &input) {
				t.Fatalf("err = %v (%T), want an InputError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCreate_afterCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	var got string
	create(t, Options{Dir: dir, Name: "app", Template: "worker", AfterCreate: func(d string) error {
		got = d
		if _, err := os.Stat(filepath.Join(d, "valet.jsonc")); err != nil {
			return err
		}
		return nil
	}})
	if got != dir {
		t.Errorf("AfterCreate got %q, want %q", got, dir)
	}

	_, err := Create(context.Background(), Options{Dir: filepath.Join(t.TempDir(), "b"), Name: "b", Exec: noExec(t),
		AfterCreate: func(string) error { return errors.New("typegen broke") }})
	if err == nil || !strings.Contains(err.Error(), "typegen broke") {
		t.Errorf("err = %v", err)
	}
}

func TestCreate_install(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	var ran []string
	fake := func(_ context.Context, d string, out io.Writer, name string, args ...string) error {
		ran = append(ran, fmt.Sprintf("%s %s in %s", name, strings.Join(args, " "), d))
		_, _ = io.WriteString(out, "added 5 packages\rin 1s\nfound 0 vulnerabilities")
		return nil
	}
	lookPath := func(f string) (string, error) { return "/usr/bin/" + f, nil }
	res, evs := create(t, Options{Dir: dir, Name: "app", Template: "container-app", Install: true, Exec: fake, LookPath: lookPath})
	if want := []string{"npm install --no-fund --no-audit in " + dir}; !slices.Equal(ran, want) {
		t.Errorf("ran %q, want %q", ran, want)
	}
	if !res.Installed || slices.Contains(res.NextSteps, "npm install") {
		t.Errorf("installed %v, next steps %q", res.Installed, res.NextSteps)
	}
	var lines []string
	for _, e := range evs {
		if e.Kind == events.Log && e.Source == "npm" {
			lines = append(lines, e.Message)
		}
	}
	if want := []string{"in 1s", "found 0 vulnerabilities"}; !slices.Equal(lines, want) {
		t.Errorf("npm lines %q, want %q", lines, want)
	}

	failing := func(context.Context, string, io.Writer, string, ...string) error { return errors.New("exit status 1") }
	_, err := Create(context.Background(), Options{Dir: filepath.Join(t.TempDir(), "b"), Name: "b", Install: true, Exec: failing, LookPath: lookPath})
	if err == nil || !strings.Contains(err.Error(), "npm install in") {
		t.Errorf("err = %v", err)
	}

	noNpm := func(string) (string, error) { return "", exec.ErrNotFound }
	_, err = Create(context.Background(), Options{Dir: filepath.Join(t.TempDir(), "c"), Name: "c", Install: true, Exec: noExec(t), LookPath: noNpm})
	if err == nil || !strings.Contains(err.Error(), "npm is not on PATH") {
		t.Errorf("err = %v", err)
	}
}

func TestCreate_installSkippedForAssets(t *testing.T) {
	res, evs := create(t, Options{Dir: t.TempDir(), Name: "site", Template: "assets", Install: true})
	if res.Installed {
		t.Error("installed a template without dependencies")
	}
	for _, e := range evs {
		if e.Step == StepInstall {
			t.Errorf("unexpected event %+v", e)
		}
	}
}

func TestNextSteps(t *testing.T) {
	tests := []struct {
		dir     string
		install bool
		want    []string
	}{
		{".", false, []string{"npm install", "valet dev"}},
		{"app", true, []string{"cd app", "valet dev"}},
		{"my app", false, []string{"cd 'my app'", "npm install", "valet dev"}},
	}
	for _, tt := range tests {
		res := &Result{Dir: tt.dir, Template: Template{Install: true}, Installed: tt.install}
		if got := nextSteps(res); !slices.Equal(got, tt.want) {
			t.Errorf("nextSteps(%q) = %q, want %q", tt.dir, got, tt.want)
		}
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
