package image

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tarFiles lists the regular files in the context tar.
func tarFiles(t *testing.T, bc *buildContext) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := bc.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(time.Unix(0, 0)) || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: mtime %v uid %d gid %d, want zeroed", h.Name, h.ModTime, h.Uid, h.Gid)
		}
		if h.Typeflag == tar.TypeReg {
			names = append(names, h.Name)
		}
	}
	// A Dockerfile from outside the context comes last, after the walk.
	if walked := names; len(walked) > 0 && !sort.StringsAreSorted(trimOutside(walked)) {
		t.Errorf("entries not sorted: %v", names)
	}
	return names
}

func trimOutside(names []string) []string {
	if n := len(names); n > 0 && names[n-1] == outsideDockerfile {
		return names[:n-1]
	}
	return names
}

func TestDockerignore(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM scratch\n",
		".dockerignore": `# comment
node_modules
**/*.log
/secret.txt
dist
!dist/keep.txt
Dockerfile
.dockerignore
docs/*.md
!docs/README.md
`,
		"main.go":                 "package main",
		"node_modules/x/index.js": "x",
		"a/b/debug.log":           "log",
		"top.log":                 "log",
		"secret.txt":              "s",
		"a/secret.txt":            "not the root one",
		"dist/app.js":             "js",
		"dist/keep.txt":           "keep",
		"docs/guide.md":           "g",
		"docs/README.md":          "r",
	})
	bc, err := newBuildContext(dir, filepath.Join(dir, "Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := tarFiles(t, bc)
	want := []string{".dockerignore", "Dockerfile", "a/secret.txt", "dist/keep.txt", "docs/README.md", "main.go"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("context files\n got %v\nwant %v", got, want)
	}
}

func TestDockerfileSpecificIgnoreAndOutsideDockerfile(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"build/app.Dockerfile":              "FROM scratch\n",
		"build/app.Dockerfile.dockerignore": "*.tmp\n",
		"ctx/.dockerignore":                 "*.txt\n",
		"ctx/a.tmp":                         "t",
		"ctx/a.txt":                         "t",
	})
	bc, err := newBuildContext(filepath.Join(root, "ctx"), filepath.Join(root, "build/app.Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if bc.dockerfile != outsideDockerfile {
		t.Errorf("dockerfile in tar = %q, want %q", bc.dockerfile, outsideDockerfile)
	}
	got := tarFiles(t, bc)
	want := []string{".dockerignore", "a.txt", outsideDockerfile}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("context files\n got %v\nwant %v (app.Dockerfile.dockerignore wins over .dockerignore)", got, want)
	}
}

func TestDigestStable(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\nCOPY . /\n", "a.txt": "a", ".dockerignore": "ignored/\n", "ignored/x": "1"})
	opts := BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), BuildArgs: map[string]string{"A": "1", "B": "2"}}
	d1, err := InputDigest(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Times are not part of the input; ignored files are not either.
	future := time.Now().Add(time.Hour)
	_ = os.Chtimes(filepath.Join(dir, "a.txt"), future, future)
	writeFiles(t, dir, map[string]string{"ignored/x": "2", "ignored/y": "new"})
	if d2, _ := InputDigest(opts); d2 != d1 {
		t.Errorf("digest changed with mtimes or ignored files: %s → %s", d1, d2)
	}
	changes := map[string]func(){
		"file content": func() { writeFiles(t, dir, map[string]string{"a.txt": "b"}) },
		"new file":     func() { writeFiles(t, dir, map[string]string{"b.txt": "b"}) },
		"build arg":    func() { opts.BuildArgs = map[string]string{"A": "1", "B": "3"} },
		"platform":     func() { opts.Platform = "linux/arm64" },
		"mode":         func() { _ = os.Chmod(filepath.Join(dir, "a.txt"), 0o755) },
	}
	prev := d1
	for _, name := range []string{"file content", "new file", "build arg", "platform", "mode"} {
		changes[name]()
		d, err := InputDigest(opts)
		if err != nil {
			t.Fatal(err)
		}
		if d == prev {
			t.Errorf("digest did not change with the %s", name)
		}
		prev = d
	}
}

func TestBuildContextErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := InputDigest(BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile")}); err == nil {
		t.Error("missing Dockerfile: no error")
	}
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\n"})
	if _, err := InputDigest(BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Context: filepath.Join(dir, "nope")}); err == nil {
		t.Error("missing context: no error")
	}
	if _, err := InputDigest(BuildOptions{}); err == nil {
		t.Error("no Dockerfile: no error")
	}
}

func TestRepoName(t *testing.T) {
	for in, want := range map[string]string{
		"valet-MyApp-Container": "valet-myapp-container",
		"valet-my app@1":        "valet-my-app-1",
		"--":                    "valet-image",
	} {
		if got := RepoName(in); got != want {
			t.Errorf("RepoName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestExcludeAndInputs: valet's own paths are never sent, whatever
// .dockerignore says, and Inputs names exactly what a build reads.
func TestExcludeAndInputs(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile":              "FROM scratch\nCOPY . /\n",
		".dockerignore":           "*.log\ndocs\n!docs/keep.md\n",
		"backend/server":          "bin",
		"worker/index.ts":         "export default {}",
		"state/do.sqlite":         "db",
		"state/valet.log":         "log",
		".valet/build/worker.js":  "js",
		"app.log":                 "log",
		"docs/guide.md":           "g",
		"docs/keep.md":            "k",
		"node_modules/x/index.js": "x",
	})
	exclude := []string{filepath.Join(dir, ".valet"), filepath.Join(dir, "state")}
	bc, err := newBuildContext(dir, filepath.Join(dir, "Dockerfile"), exclude)
	if err != nil {
		t.Fatal(err)
	}
	got := tarFiles(t, bc)
	want := []string{".dockerignore", "Dockerfile", "backend/server", "docs/keep.md", "node_modules/x/index.js", "worker/index.ts"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("context files\n got %v\nwant %v", got, want)
	}
	in, err := NewInputs(BuildOptions{Dockerfile: filepath.Join(dir, "Dockerfile"), Exclude: exclude})
	if err != nil {
		t.Fatal(err)
	}
	for rel, has := range map[string]bool{
		"Dockerfile": true, ".dockerignore": true, "backend/server": true, "backend/new-file": true,
		"worker/index.ts": true, "docs/keep.md": true, "package-lock.json": true,
		"state/do.sqlite": false, "state/valet.log": false, "state": false, ".valet/build/manifest.json": false,
		"app.log": false, "docs/guide.md": false, "docs": false,
		"backend/debug.log": true, // *.log matches at the root only, as in Docker
		"../elsewhere.txt":  false,
	} {
		if got := in.Has(filepath.Join(dir, rel)); got != has {
			t.Errorf("Has(%s) = %v, want %v", rel, got, has)
		}
	}
}

// TestContextSendsLinksAsLinks: a symbolic link in the context is sent as a
// link, as the docker CLI sends it (the engine resolves it inside the
// image, never on this machine): nothing outside the project is read, even
// through a link that points there.
func TestContextSendsLinksAsLinks(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\nCOPY . /\n"})
	writeFiles(t, outside, map[string]string{"secret.txt": "TOP SECRET"})
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "leakdir")); err != nil {
		t.Fatal(err)
	}
	bc, err := newBuildContext(dir, filepath.Join(dir, "Dockerfile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := bc.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("TOP SECRET")) {
		t.Fatal("the context holds a file from outside the project")
	}
	links := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeSymlink {
			links[h.Name] = h.Linkname
		}
	}
	want := map[string]string{"leak.txt": filepath.Join(outside, "secret.txt"), "leakdir": outside}
	if !reflect.DeepEqual(links, want) {
		t.Errorf("links = %v, want %v", links, want)
	}
}
