package projectfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWalkFollowsOnlyLinksInsideTheProject(t *testing.T) {
	base := t.TempDir()
	project, secret := filepath.Join(base, "project"), filepath.Join(base, "secret")
	for _, d := range []string{"public/sub", "shared/icons"} {
		if err := os.MkdirAll(filepath.Join(project, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(secret, 0o755); err != nil {
		t.Fatal(err)
	}
	for p, body := range map[string]string{
		"project/public/a.txt":          "a",
		"project/public/sub/b.txt":      "b",
		"project/shared/logo.svg":       "<svg/>",
		"project/shared/icons/icon.png": "png",
		"secret/key.pem":                "KEY",
		"secret/more.txt":               "more",
	} {
		if err := os.WriteFile(filepath.Join(base, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"project/public/logo.svg": "../shared/logo.svg",   // inside: followed
		"project/public/icons":    "../shared/icons",      // a directory inside: walked
		"project/public/key.pem":  "../../secret/key.pem", // outside: skipped
		"project/public/secrets":  secret,                 // a directory outside: skipped
		"project/public/gone":     "nowhere.txt",          // dangling: skipped
		"project/public/sub/loop": "..",                   // a cycle: not walked again
	}
	for p, target := range links {
		if err := os.Symlink(target, filepath.Join(base, p)); err != nil {
			t.Fatal(err)
		}
	}

	var files, dirs []string
	var skipped []string
	err := Walk(project, filepath.Join(project, "public"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(project, "public"), p)
		if d.IsDir() {
			dirs = append(dirs, rel)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "icons/icon.png" && RealPath(p, d) != filepath.Join(project, "shared/icons/icon.png") {
			t.Errorf("RealPath(%s) = %s, want the file under shared/", rel, RealPath(p, d))
		}
		if strings.Contains(string(b), "KEY") || strings.Contains(string(b), "more") {
			t.Errorf("read %s from outside the project", rel)
		}
		files = append(files, rel)
		return nil
	}, func(o Outside) {
		skipped = append(skipped, o.Message(project))
	})
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"a.txt", "icons/icon.png", "logo.svg", "sub/b.txt"}
	if !slices.Equal(files, wantFiles) {
		t.Errorf("files = %q, want %q", files, wantFiles)
	}
	if want := []string{".", "icons", "sub"}; !slices.Equal(dirs, want) {
		t.Errorf("dirs = %q, want %q", dirs, want)
	}
	slices.Sort(skipped)
	want := []string{
		"skipping public/gone: a symbolic link that points nowhere",
		"skipping public/key.pem: a symbolic link to " + filepath.Join(secret, "key.pem") + ", outside the project",
		"skipping public/secrets: a symbolic link to " + secret + ", outside the project",
	}
	if len(skipped) != len(want) {
		t.Fatalf("skipped = %q, want %d", skipped, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(skipped[i], want[i]) {
			t.Errorf("skipped[%d] = %q, want it to start with %q", i, skipped[i], want[i])
		}
	}
}

func TestWalkSkipDir(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a/x.txt", "b/y.txt", "c.txt"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	err := Walk(dir, dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		seen = append(seen, filepath.ToSlash(rel))
		if rel == "a" {
			return filepath.SkipDir
		}
		return err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{".", "a", "b", "b/y.txt", "c.txt"}; !slices.Equal(seen, want) {
		t.Errorf("seen = %q, want %q", seen, want)
	}
}

// TestWalkConfiguredDirOutside: a directory the config names outside the
// project is walked, its own links too, but not the links that leave it.
func TestWalkConfiguredDirOutside(t *testing.T) {
	base := t.TempDir()
	project, dist := filepath.Join(base, "app"), filepath.Join(base, "dist")
	for _, d := range []string{project, dist} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, body := range map[string]string{"dist/index.html": "<p>", "secret.txt": "no"} {
		if err := os.WriteFile(filepath.Join(base, p), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("index.html", filepath.Join(dist, "home.html")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret.txt", filepath.Join(dist, "secret.txt")); err != nil {
		t.Fatal(err)
	}
	var files, skipped []string
	err := Walk(project, dist, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, filepath.Base(p))
		}
		return err
	}, func(o Outside) { skipped = append(skipped, filepath.Base(o.Path)) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"home.html", "index.html"}; !slices.Equal(files, want) {
		t.Errorf("files = %q, want %q", files, want)
	}
	if want := []string{"secret.txt"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped = %q, want %q", skipped, want)
	}
}
