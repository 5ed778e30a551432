package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDiscovery(t *testing.T) {
	tests := []struct {
		name  string
		files []string // created under root, each naming the app after its path
		start string   // Dir, under root
		want  string   // the file found, under root
	}{
		{"valet.jsonc first", []string{"wrangler.toml", "wrangler.json", "wrangler.jsonc", "valet.json", "valet.jsonc"}, ".", "valet.jsonc"},
		{"valet.json next", []string{"wrangler.toml", "wrangler.jsonc", "valet.json"}, ".", "valet.json"},
		{"wrangler.jsonc", []string{"wrangler.toml", "wrangler.json", "wrangler.jsonc"}, ".", "wrangler.jsonc"},
		{"wrangler.json", []string{"wrangler.toml", "wrangler.json"}, ".", "wrangler.json"},
		{"wrangler.toml", []string{"wrangler.toml"}, ".", "wrangler.toml"},
		{"walks up", []string{"valet.jsonc"}, "src/worker", "valet.jsonc"},
		{"nearest directory wins", []string{"valet.jsonc", "src/wrangler.toml"}, "src/worker", "src/wrangler.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range tt.files {
				content := `{"name": "x"}`
				if strings.HasSuffix(f, ".toml") {
					content = `name = "x"`
				}
				write(t, filepath.Join(root, f), content)
			}
			if err := os.MkdirAll(filepath.Join(root, tt.start), 0o755); err != nil {
				t.Fatal(err)
			}
			p, err := Load(LoadOptions{Dir: filepath.Join(root, tt.start)})
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(root, tt.want)
			if p.Path != want || p.Dir != filepath.Dir(want) {
				t.Errorf("Path = %s, Dir = %s; want %s", p.Path, p.Dir, want)
			}
			if p.Format != formatOf(want) || p.Config.Name != "x" || len(p.Raw) == 0 {
				t.Errorf("project = %+v", p)
			}
		})
	}
}

func TestLoadExplicitPath(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "configs", "prod.jsonc"), `{"name": "prod"}`)
	write(t, filepath.Join(root, "app", "wrangler.toml"), `name = "app"`)
	write(t, filepath.Join(root, "cfg.yaml"), `name: x`)
	t.Chdir(root)

	p, err := Load(LoadOptions{Path: "configs/prod.jsonc"})
	if err != nil || p.Config.Name != "prod" {
		t.Fatalf("relative -c: %v %+v", err, p)
	}
	p, err = Load(LoadOptions{Path: "app"})
	if err != nil || p.Config.Name != "app" || p.Format != "toml" {
		t.Fatalf("-c DIR: %v %+v", err, p)
	}
	p, err = Load(LoadOptions{Path: "prod.jsonc", Dir: filepath.Join(root, "configs")})
	if err != nil || p.Config.Name != "prod" {
		t.Fatalf("-c relative to Dir: %v", err)
	}

	for _, tt := range []struct{ path, want string }{
		{"missing.jsonc", "config file missing.jsonc does not exist\n    hint: check the path given to -c/--config (or VALET_CONFIG), or run valet init to create one"},
		{"cfg.yaml", "config file cfg.yaml has an unsupported format \".yaml\"\n    hint: use a .jsonc, .json or .toml file"},
		{"configs/..", "no config file in " + root + " (looked for valet.jsonc, valet.json, wrangler.jsonc, wrangler.json, wrangler.toml)\n    hint: run valet init to create one, or pass -c PATH"},
	} {
		_, err := Load(LoadOptions{Path: tt.path})
		var ce *Error
		if !errors.As(err, &ce) || err.Error() != tt.want {
			t.Errorf("-c %s: err =\n%v\nwant\n%s", tt.path, err, tt.want)
		}
	}
}

func TestLoadNotFound(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(LoadOptions{Dir: dir})
	var ce *Error
	if !errors.As(err, &ce) || ce.ExitCode() != 2 {
		t.Fatalf("err = %v, want *Error", err)
	}
	want := "no config file in " + dir + " or any parent directory (looked for valet.jsonc, valet.json, wrangler.jsonc, wrangler.json, wrangler.toml)\n    hint: run valet init to create one, or pass -c PATH"
	if err.Error() != want {
		t.Errorf("err =\n%s\nwant\n%s", err, want)
	}
}

func TestLoadEnv(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "valet.jsonc"), string(readFixture(t, "design.jsonc")))
	t.Chdir(root)

	p, err := Load(LoadOptions{Env: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	if p.Env != "staging" || c.Name != "valet-app-staging" || c.Vars["API_VERSION"] != "v2" || c.Env != nil {
		t.Errorf("resolved = %+v", c)
	}
	if c.Main != "worker/index.ts" || c.Assets.Directory != "./dist" || c.Deploy.Host != "ssh://deploy@example.com" {
		t.Errorf("inherited keys lost: %+v", c)
	}
	if len(c.Containers) != 0 || c.DurableObjects != nil {
		t.Errorf("bindings inherited: %+v %+v", c.Containers, c.DurableObjects)
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		`valet.jsonc:15:12: warning: "containers" exists at the top level but not in "env.staging"; containers is not inherited by environments, so staging has none` +
			"\n    hint: add \"containers\" to env.staging (copy it from the top level if staging needs the same)",
		`valet.jsonc:15:12: warning: "durable_objects" exists at the top level but not in "env.staging"; durable_objects is not inherited by environments, so staging has none` +
			"\n    hint: add \"durable_objects\" to env.staging (copy it from the top level if staging needs the same)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	_, err = Load(LoadOptions{Env: "prod"})
	wantErr := "valet.jsonc:15:3: environment \"prod\" is not defined; available: staging\n    hint: use one of them, or add \"prod\" under \"env\""
	if err == nil || err.Error() != wantErr {
		t.Errorf("err =\n%v\nwant\n%s", err, wantErr)
	}
}

func TestLoadTOMLEnv(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "wrangler.toml"), string(readFixture(t, "toml/wrangler.toml")))
	p, err := Load(LoadOptions{Dir: root, Env: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config
	if c.Name != "chat-next" || c.CompatibilityDate != "2025-04-01" || c.Vars["GREETING"] != "hi" {
		t.Errorf("resolved = %+v", c)
	}
	if len(c.DurableObjects.Bindings) != 2 || len(c.Containers) != 1 || c.Containers[0].MaxInstances != 1 || len(c.Migrations) != 2 {
		t.Errorf("bindings = %+v, containers = %+v", c.DurableObjects, c.Containers)
	}
	if !c.Assets.RunWorkerFirst.All || c.Assets.Binding != "ASSETS" {
		t.Errorf("assets = %+v", c.Assets)
	}

	p, err = Load(LoadOptions{Dir: root, Env: "production"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Config.Name != "chat-production" || p.Config.Vars["GREETING"] != "welcome" {
		t.Errorf("production = %+v", p.Config)
	}
	var msgs []string
	for _, w := range p.Warnings {
		msgs = append(msgs, w.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`warning: wrangler key "env.production.routes" is not supported by valet yet; it is ignored`,
		`wrangler.toml:55:1: warning: "durable_objects" exists at the top level but not in "env.production"`,
		`wrangler.toml:55:1: warning: "containers" exists at the top level but not in "env.production"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

func TestLoadInvalid(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "app", "valet.jsonc"), `{"name": 1}`)
	t.Chdir(root)
	_, err := Load(LoadOptions{Dir: "app"})
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	// Files are named relative to the working directory, as compilers do.
	want := "app/valet.jsonc:1:10: name: expected string, got number 1\n    hint: quote it: \"1\""
	if err.Error() != want {
		t.Errorf("err =\n%s\nwant\n%s", err, want)
	}
}

func TestProjectAbs(t *testing.T) {
	p := &Project{Dir: "/srv/app"}
	for in, want := range map[string]string{
		"worker/index.ts": "/srv/app/worker/index.ts",
		"./dist":          "/srv/app/dist",
		"../shared":       "/srv/shared",
		"/abs/path":       "/abs/path",
		"":                "/srv/app",
	} {
		if got := p.Abs(in); got != want {
			t.Errorf("Abs(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkLoad measures the whole of Load on DESIGN.md's example: `valet
// types` has 20 ms in total, so this must stay well under a millisecond.
func BenchmarkLoad(b *testing.B) {
	root := b.TempDir()
	write(b, filepath.Join(root, "valet.jsonc"), string(readFixture(b, "design.jsonc")))
	opts := LoadOptions{Dir: filepath.Join(root)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadTOML(b *testing.B) {
	root := b.TempDir()
	write(b, filepath.Join(root, "wrangler.toml"), string(readFixture(b, "toml/wrangler.toml")))
	opts := LoadOptions{Dir: root, Env: "staging"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(opts); err != nil {
			b.Fatal(err)
		}
	}
}
