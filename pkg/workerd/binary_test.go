package workerd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// layout writes files (path → content) under root; a content starting
// with "->" makes a symlink to the rest.
func layout(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(filepath.FromSlash(target), full)
		} else {
			err = os.WriteFile(full, []byte(content), 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func pkgJSON(version string) string { return `{"name":"x","version":"` + version + `"}` }

// noEnv runs the test without $VALET_WORKERD and with an empty cache.
func noEnv(t *testing.T) string {
	t.Helper()
	t.Setenv(EnvBinary, "")
	cache := t.TempDir()
	t.Setenv("VALET_CACHE_DIR", cache)
	return filepath.Join(cache, "workerd")
}

// The layouts below are those npm 11, pnpm 10, yarn 1 and yarn 4 wrote for
// `add -D workerd` on this machine (TestLocateInRealInstalls runs them).
func TestLocateFindsTheProjectsWorkerd(t *testing.T) {
	noEnv(t)
	plat, err := platformPackage()
	if err != nil {
		t.Skip(err)
	}
	exe := exeName()
	platPkg := "@cloudflare/" + plat
	cases := []struct {
		name  string
		files map[string]string
		dir   string // where valet looks from, below the root
		want  string // the binary's path, below the root
		ver   string
	}{{
		name: "npm hoisted",
		files: map[string]string{
			"node_modules/workerd/package.json":                pkgJSON("1.1.1"),
			"node_modules/" + platPkg + "/package.json":        pkgJSON("1.1.1"),
			"node_modules/" + platPkg + "/bin/" + exe:          "bin",
			"node_modules/workerd/bin/workerd":                 "js shim",
			"node_modules/wrangler/node_modules/workerd/x.txt": "another version, wrangler's",
		},
		want: "node_modules/" + platPkg + "/bin/" + exe, ver: "1.1.1",
	}, {
		name: "npm nested under workerd, another version hoisted",
		files: map[string]string{
			"node_modules/workerd/package.json":                              pkgJSON("1.1.1"),
			"node_modules/workerd/node_modules/" + platPkg + "/package.json": pkgJSON("1.1.1"),
			"node_modules/workerd/node_modules/" + platPkg + "/bin/" + exe:   "bin",
			"node_modules/" + platPkg + "/package.json":                      pkgJSON("1.2.2"),
			"node_modules/" + platPkg + "/bin/" + exe:                        "other",
		},
		want: "node_modules/workerd/node_modules/" + platPkg + "/bin/" + exe, ver: "1.1.1",
	}, {
		name: "pnpm store links",
		files: map[string]string{
			"node_modules/workerd": "->.pnpm/workerd@1.1.1/node_modules/workerd",
			"node_modules/.pnpm/workerd@1.1.1/node_modules/workerd/package.json":                          pkgJSON("1.1.1"),
			"node_modules/.pnpm/workerd@1.1.1/node_modules/" + platPkg:                                    "->../../../@cloudflare+" + plat + "@1.1.1/node_modules/" + platPkg,
			"node_modules/.pnpm/@cloudflare+" + plat + "@1.1.1/node_modules/" + platPkg + "/package.json": pkgJSON("1.1.1"),
			"node_modules/.pnpm/@cloudflare+" + plat + "@1.1.1/node_modules/" + platPkg + "/bin/" + exe:   "bin",
		},
		want: "node_modules/.pnpm/@cloudflare+" + plat + "@1.1.1/node_modules/" + platPkg + "/bin/" + exe, ver: "1.1.1",
	}, {
		name: "from a subdirectory of the project",
		files: map[string]string{
			"node_modules/workerd/package.json":         pkgJSON("1.1.1"),
			"node_modules/" + platPkg + "/package.json": pkgJSON("1.1.1"),
			"node_modules/" + platPkg + "/bin/" + exe:   "bin",
			"src/worker/index.ts":                       "",
		},
		dir: "src/worker", want: "node_modules/" + platPkg + "/bin/" + exe, ver: "1.1.1",
	}, {
		name: "workerd's postinstall download (--no-optional)",
		files: map[string]string{
			"node_modules/workerd/package.json":                                   pkgJSON("1.1.1"),
			"node_modules/workerd/lib/downloaded-@cloudflare-" + plat + "-" + exe: "bin",
		},
		want: "node_modules/workerd/lib/downloaded-@cloudflare-" + plat + "-" + exe, ver: "1.1.1",
	}, {
		name: "yarn Plug'n'Play unplugged, the lockfile's version",
		files: map[string]string{
			".pnp.cjs":     "",
			"package.json": `{"devDependencies":{"workerd":"1.1.1"}}`,
			"yarn.lock":    "\"workerd@npm:1.1.1\":\n  version: 1.1.1\n  resolution: \"workerd@npm:1.1.1\"\n",
			".yarn/unplugged/@cloudflare-" + plat + "-npm-1.1.1-46a0ce6204/node_modules/" + platPkg + "/package.json": pkgJSON("1.1.1"),
			".yarn/unplugged/@cloudflare-" + plat + "-npm-1.1.1-46a0ce6204/node_modules/" + platPkg + "/bin/" + exe:   "bin",
			".yarn/unplugged/@cloudflare-" + plat + "-npm-1.3.0-aaaaaaaaaa/node_modules/" + platPkg + "/package.json": pkgJSON("1.3.0"),
			".yarn/unplugged/@cloudflare-" + plat + "-npm-1.3.0-aaaaaaaaaa/node_modules/" + platPkg + "/bin/" + exe:   "bin",
		},
		want: ".yarn/unplugged/@cloudflare-" + plat + "-npm-1.1.1-46a0ce6204/node_modules/" + platPkg + "/bin/" + exe, ver: "1.1.1",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			layout(t, root, c.files)
			b, err := Locate(LocateOptions{Dir: filepath.Join(root, c.dir)})
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(root, filepath.FromSlash(c.want))
			if real, err := filepath.EvalSymlinks(want); err == nil {
				want = real
			}
			got, _ := filepath.EvalSymlinks(b.Path)
			if got != want || b.Version != c.ver || b.Source != SourceProject {
				t.Errorf("Locate = %s %s (%s), want %s %s (project)", b.Path, b.Version, b.Source, want, c.ver)
			}
		})
	}
}

func TestLocateFetchesTheVersionTheLockfilePins(t *testing.T) {
	cases := []struct{ name, file, content, pkg string }{
		{"npm", "package-lock.json", `{"lockfileVersion":3,"packages":{"":{},"node_modules/wrangler/node_modules/workerd":{"version":"1.5.0"},"node_modules/workerd":{"version":"1.4.2"}}}`, ""},
		{"npm workspace", "package-lock.json", `{"lockfileVersion":3,"packages":{"app/node_modules/workerd":{"version":"1.4.2"},"node_modules/workerd":{"version":"1.0.0"}}}`, "app"},
		{"npm v1", "package-lock.json", `{"lockfileVersion":1,"dependencies":{"workerd":{"version":"1.4.2"}}}`, ""},
		{"pnpm 9", "pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      workerd:\n        specifier: 1.4.2\n        version: 1.4.2\npackages:\n  workerd@1.4.2:\n    resolution: {integrity: sha512-x}\n  workerd@1.9.0:\n    resolution: {integrity: sha512-y}\n", ""},
		{"pnpm through wrangler", "pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n      wrangler:\n        specifier: ^4\n        version: 4.1.0\npackages:\n  workerd@1.3.0:\n    resolution: {integrity: sha512-x}\n  workerd@1.4.2:\n    resolution: {integrity: sha512-y}\n", ""},
		{"pnpm 6", "pnpm-lock.yaml", "lockfileVersion: 5.4\nimporters:\n  .:\n    devDependencies:\n      workerd: 1.4.2\npackages:\n  /workerd/1.4.2:\n    resolution: {integrity: sha512-x}\n", ""},
		{"yarn classic", "yarn.lock", "# yarn lockfile v1\n\n\n\"@cloudflare/workerd-linux-64@1.4.2\":\n  version \"1.4.2\"\n\nworkerd@1.4.2:\n  version \"1.4.2\"\n  resolved \"https://registry.yarnpkg.com/workerd/-/workerd-1.4.2.tgz\"\n\nworkerd@^1.9.0:\n  version \"1.9.0\"\n", `{"devDependencies":{"workerd":"1.4.2"}}`},
		{"yarn berry", "yarn.lock", "__metadata:\n  version: 10\n\n\"workerd@npm:1.4.2\":\n  version: 1.4.2\n  resolution: \"workerd@npm:1.4.2\"\n\n\"workerd@npm:^1.9.0, workerd@npm:^1.9.1\":\n  version: 1.9.1\n", `{"devDependencies":{"workerd":"1.4.2"}}`},
		{"bun", "bun.lock", "{\n  \"lockfileVersion\": 1,\n  \"packages\": {\n    \"wrangler/workerd\": [\"workerd@1.9.0\", \"\", {}, \"sha512-y\"],\n    \"workerd\": [\"workerd@1.4.2\", \"\", {}, \"sha512-x\"],\n  }\n}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := noEnv(t)
			root := t.TempDir()
			files := map[string]string{c.file: c.content}
			dir := root
			if c.name == "npm workspace" {
				files["app/package.json"] = `{"devDependencies":{"workerd":"1.4.2"}}`
				dir = filepath.Join(root, "app")
			} else if c.pkg != "" {
				files["package.json"] = c.pkg
			}
			layout(t, root, files)
			var fetched []string
			b, err := Locate(LocateOptions{Dir: dir, Fetch: func(version, dest string) error {
				fetched = append(fetched, version, dest)
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			plat, _ := platformPackage()
			dest := filepath.Join(cache, "1.4.2", plat, exeName())
			if len(fetched) != 2 || fetched[0] != "1.4.2" || fetched[1] != dest {
				t.Errorf("fetched %q, want 1.4.2 into %s", fetched, dest)
			}
			if b.Version != "1.4.2" || b.PinnedBy != c.file || b.Source != SourceCache || b.Missing {
				t.Errorf("Locate = %+v", b)
			}
		})
	}
}

func TestLocateUsesValetsPinWithoutAProjectWorkerd(t *testing.T) {
	cache := noEnv(t)
	dir := t.TempDir()
	b, err := Plan(LocateOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	plat, _ := platformPackage()
	if b.Version != PinnedVersion || b.PinnedBy != "" || !b.Missing || b.Path != filepath.Join(cache, PinnedVersion, plat, exeName()) {
		t.Errorf("Plan = %+v", b)
	}
	// Once fetched, the cache answers without a download.
	layout(t, filepath.Dir(b.Path), map[string]string{exeName(): "bin"})
	b, err = Locate(LocateOptions{Dir: dir, Fetch: func(string, string) error { t.Error("fetched again"); return nil }})
	if err != nil || b.Source != SourceCache || b.Missing {
		t.Errorf("Locate = %+v, %v", b, err)
	}
}

func TestLocateSaysWhyTheProjectsWorkerdCannotRun(t *testing.T) {
	noEnv(t)
	root := t.TempDir()
	// node_modules copied from a Mac: another platform's package only.
	layout(t, root, map[string]string{
		"node_modules/workerd/package.json":                           pkgJSON(PinnedVersion),
		"node_modules/@cloudflare/workerd-plan9-386/package.json":     pkgJSON(PinnedVersion),
		"node_modules/@cloudflare/workerd-plan9-386/bin/" + exeName(): "bin",
	})
	b, err := Plan(LocateOptions{Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	if b.Source != SourceCache || !strings.Contains(b.Note, "node_modules/workerd has no binary for") {
		t.Errorf("Plan = %+v", b)
	}
}

func TestLocateWithoutAnyWorkerdSaysHowToInstallIt(t *testing.T) {
	noEnv(t)
	_, err := Locate(LocateOptions{Dir: t.TempDir()})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "npm install --save-dev workerd@"+PinnedVersion) {
		t.Errorf("err = %v", err)
	}
	_, err = Locate(LocateOptions{Dir: t.TempDir(), Fetch: func(string, string) error { return errors.New("registry unreachable") }})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "registry unreachable") || !strings.Contains(err.Error(), "npm install --save-dev workerd@") {
		t.Errorf("err = %v", err)
	}
}

func TestLocateHonoursValetWorkerd(t *testing.T) {
	noEnv(t)
	p := filepath.Join(t.TempDir(), "workerd")
	layout(t, filepath.Dir(p), map[string]string{"workerd": "bin"})
	t.Setenv(EnvBinary, p)
	b, err := Locate(LocateOptions{Dir: t.TempDir()})
	if err != nil || b.Path != p || b.Source != SourceEnv {
		t.Errorf("Locate = %+v, %v", b, err)
	}
	t.Setenv(EnvBinary, p+".missing")
	if _, err := Locate(LocateOptions{}); err == nil || !strings.Contains(err.Error(), EnvBinary) {
		t.Errorf("a missing $VALET_WORKERD: %v", err)
	}
}

func TestVersionLess(t *testing.T) {
	ordered := []string{"1.2.0-rc.1", "1.2.0", "1.10.0", "1.20250101.0", "1.20261117.1", "2.0.0"}
	for i := range ordered {
		for j := range ordered {
			if got := versionLess(ordered[i], ordered[j]); got != (i < j) {
				t.Errorf("versionLess(%s, %s) = %v", ordered[i], ordered[j], got)
			}
		}
	}
}
