package deploy

import (
	"archive/tar"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/ui/text"
	"github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

var lddPathRE = regexp.MustCompile(`(?m)(?:=> )?(/\S+) \(0x`)

// The libraries put in the edge image are those ldd lists for workerd.
func TestLinkedLibrariesAsLdd(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ldd and workerd's libraries are linux's")
	}
	bin := workerdtest.Binary(t)
	out, err := exec.Command("ldd", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("ldd %s: %v\n%s", bin, err, out)
	}
	var want []string
	for _, m := range lddPathRE.FindAllStringSubmatch(string(out), -1) {
		want = append(want, m[1])
	}
	slices.Sort(want)
	files, err := linkedLibraries(bin, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Dest)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("libraries:\n got %v\nwant %v (ldd:\n%s)", got, want, out)
	}
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	if _, err := linkedLibraries(bin, other); err == nil || !strings.Contains(err.Error(), EnvEdgeBase) {
		t.Errorf("libraries of another architecture: %v", err)
	}
}

// A workerd or a valet binary for another architecture than the host's is
// refused with the fix.
func TestEdgeBinariesForTheHostArch(t *testing.T) {
	bin := workerdtest.Binary(t)
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	_, err := Options{Workerd: bin}.edgeWorkerd(other)
	if err == nil || !strings.Contains(err.Error(), "host is linux/"+other) || !strings.Contains(err.Error(), EnvEdgeWorkerd) {
		t.Errorf("workerd for another arch: %v", err)
	}
	if err := checkMachine(edgeBinary(t), other); err == nil || !strings.Contains(err.Error(), EnvEdgeBinary) {
		t.Errorf("valet for another arch: %v", err)
	}
	// No workerd for the host's platform anywhere: say how to install it.
	t.Setenv(EnvEdgeWorkerd, "")
	p := newProject(t, "")
	_, err = Options{Conn: Conn{Project: p.load()}}.edgeWorkerd(other)
	if err == nil || !strings.Contains(err.Error(), "npm install --no-save --os=linux") {
		t.Errorf("no workerd for the host: %v", err)
	}
}

// TestEdgeRuntimeOncePerHost deploys to fresh hosts: the first deploy
// sends workerd (gzipped over ssh), a no-change redeploy sends nothing, a
// new valet release sends valet's binary alone, and a glibc base image,
// where the host has one, replaces the libraries taken from this machine.
func TestEdgeRuntimeOncePerHost(t *testing.T) {
	wd := workerdtest.Binary(t)
	fi, err := os.Stat(wd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	host := enginetest.StartDaemon(t)
	e, err := engine.Connect(ctx, engine.Options{Host: host.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p := newProject(t, "")
	d := newDeployer(t, p, host.Host)
	run := func(what string, opts Options) *Result {
		t.Helper()
		opts.Conn, opts.BindIP, opts.Workerd = Conn{Project: p.load(), Host: host.Host}, "127.0.0.1", wd
		opts.OutDir, opts.Events = filepath.Join(p.dir, ".valet", "build"), events.NewEmitter(d.rec)
		if opts.EdgeBinary == "" {
			opts.EdgeBinary = edgeBinary(t)
		}
		start := time.Now()
		res, err := Run(ctx, opts)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s: %s, %s sent", what, time.Since(start).Round(time.Millisecond), text.Bytes(res.Bytes))
		return res
	}

	r1 := run("first deploy to a fresh host (unix://)", Options{})
	if r1.Bytes < fi.Size() {
		t.Errorf("first deploy sent %d bytes, less than workerd's %d", r1.Bytes, fi.Size())
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v1" {
		t.Fatalf("served by workerd in the edge: %q", body)
	}
	if r := run("no-change redeploy", Options{}); r.Bytes != 0 || r.Switched {
		t.Errorf("no-change redeploy: %+v", r)
	}
	// A new valet release: only its binary goes.
	b, err := os.ReadFile(edgeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	release := filepath.Join(t.TempDir(), "valet")
	if err := os.WriteFile(release, append(b, "release-2"...), 0o755); err != nil {
		t.Fatal(err)
	}
	p.worker("v2")
	r3 := run("new valet release", Options{EdgeBinary: release})
	if !r3.Edge.Replaced || r3.Bytes > int64(len(b))+1<<20 {
		t.Errorf("new valet release: replaced %v, %d bytes sent (valet is %d)", r3.Edge.Replaced, r3.Bytes, len(b))
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("after the new release: %q", body)
	}

	// A glibc base the host has (here: built FROM scratch with this
	// machine's libraries, as a registry image would provide them).
	base := "valet-test-glibc:" + strings.ToLower(t.Name())
	libs, err := linkedLibraries(wd, runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := buildImage(ctx, e, base, "test", false, func(tw *tar.Writer) error {
		return writeRuntimeContext(tw, runtimeImage{Workerd: &workerd.Binary{Path: wd}}, libs)
	}); err != nil {
		t.Fatal(err)
	}
	p.worker("v3")
	r4 := run("deploy on a glibc base", Options{EdgeBase: base})
	if !r4.Edge.Replaced || r4.Bytes < fi.Size() {
		t.Errorf("on a base: %+v", r4)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v3" {
		t.Fatalf("on a base: %q", body)
	}

	// Over ssh:// the runtime goes gzipped.
	remote := enginetest.StartDaemon(t)
	re, err := engine.Connect(ctx, engine.Options{Host: remote.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	env := enginetest.StartSSHD(t, re)
	p2 := newProject(t, "")
	d2 := newDeployer(t, p2, env.Host)
	d2.conn.SSHIdentity, d2.conn.SSHKnownHosts = env.Key, env.KnownHosts
	start := time.Now()
	r5 := d2.mustDeploy(ctx)
	t.Logf("first deploy to a fresh host (ssh://): %s, %s sent", time.Since(start).Round(time.Millisecond), text.Bytes(r5.Bytes))
	if r5.Bytes >= fi.Size() || r5.Bytes < fi.Size()/10 {
		t.Errorf("over ssh: %d bytes sent for workerd's %d (gzipped)", r5.Bytes, fi.Size())
	}
	start = time.Now()
	r6 := d2.mustDeploy(ctx)
	t.Logf("no-change redeploy (ssh://): %s, %s sent", time.Since(start).Round(time.Millisecond), text.Bytes(r6.Bytes))
	if _, body := httpGet(t, p2.url("/api/version")); body != "v1" {
		t.Fatalf("over ssh: %q", body)
	}
}
