package edgehost

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// envEdgeMain makes the test binary `valet edge` (for tests that need the
// verbs in a process of their own).
const envEdgeMain = "VALET_EDGEHOST_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envEdgeMain) != "" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// straceLine is one traced call: fsync(3</path>) or rename*(…"old"…"new").
// With several threads strace may split a call in two lines, "fsync(3</p>
// <unfinished ...>" and "<... fsync resumed>) = 0": the first names it.
var (
	fsyncRE  = regexp.MustCompile(`^(?:\[pid +\d+\] |\d+ +)?f(?:data)?sync\(\d+<([^>]*)>(?:\) += 0| <unfinished \.\.\.>)`)
	renameRE = regexp.MustCompile(`^(?:\[pid +\d+\] |\d+ +)?rename(?:at2?)?\((?:[^,]+, )?"([^"]+)", (?:[^,]+, )?"([^"]+)"`)
)

// TestStageSyncs runs `valet edge stage` under strace: every uploaded blob
// is fsynced before it is renamed into blobs/, blobs/ after the last of
// them, each directory of the version before it is renamed into place and
// versions/ after that, all before state.json (the history) names the
// version, and so before any switch to it.
func TestStageSyncs(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatal("strace is needed to see the fsyncs (apt-get install strace):", err)
	}
	dir := t.TempDir()
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := `{"name":"demo","assets":{"directory":"dist"}}`
	m := upload(t, s, "tx1", worker("v1", 200), map[string]string{"a.txt": "one", "css/deep/b.css": "two"}, cfg)
	trace := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, "-f", "-y", "-qq", "-o", trace, "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", os.Args[0], "stage", "tx1")
	cmd.Env = append(os.Environ(), envEdgeMain+"=1", EnvStateDir+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("valet edge stage: %v\n%s", err, out)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	type call struct{ op, path, to string }
	var calls []call
	for _, l := range strings.Split(string(b), "\n") {
		if g := fsyncRE.FindStringSubmatch(l); g != nil {
			calls = append(calls, call{op: "sync", path: g[1]})
		} else if g := renameRE.FindStringSubmatch(l); g != nil {
			calls = append(calls, call{op: "rename", path: g[1], to: g[2]})
		}
	}
	at := func(what string, match func(call) bool) int {
		t.Helper()
		for i, c := range calls {
			if match(c) {
				return i
			}
		}
		t.Fatalf("no %s in the trace:\n%s", what, b)
		return -1
	}
	last := func(match func(call) bool) int {
		n := -1
		for i, c := range calls {
			if match(c) {
				n = i
			}
		}
		return n
	}
	state := at("rename of state.json", func(c call) bool { return c.op == "rename" && c.to == filepath.Join(dir, "state.json") })
	blobs := filepath.Join(dir, "blobs")
	lastBlob := -1
	for _, f := range Files(m) {
		dst := filepath.Join(blobs, f.Hash)
		mv := at("rename of blob "+f.Path, func(c call) bool { return c.op == "rename" && c.to == dst })
		sync := at("fsync of blob "+f.Path, func(c call) bool { return c.op == "sync" && strings.HasSuffix(c.path, "/"+f.Hash) })
		if sync > mv {
			t.Errorf("blob %s was renamed into blobs/ before it was synced", f.Path)
		}
		lastBlob = max(lastBlob, mv)
	}
	if n := last(func(c call) bool { return c.op == "sync" && c.path == blobs }); n < lastBlob || n > state {
		t.Errorf("blobs/ was not synced after the last blob went in and before state.json (sync at %d, last blob %d, state %d)", n, lastBlob, state)
	}
	final := filepath.Join(dir, "versions", m.Version)
	mv := at("rename of the version's directory", func(c call) bool { return c.op == "rename" && c.to == final })
	tmp := calls[mv].path
	for _, sub := range []string{"", "assets", "assets/css", "assets/css/deep"} {
		d := filepath.Join(tmp, sub)
		if n := last(func(c call) bool { return c.op == "sync" && c.path == d }); n < 0 || n > mv {
			t.Errorf("version directory %q was not synced before it was renamed into place", sub)
		}
	}
	if n := last(func(c call) bool { return c.op == "sync" && c.path == filepath.Join(dir, "versions") }); n < mv || n > state {
		t.Errorf("versions/ was not synced after the version went in and before state.json")
	}
}
