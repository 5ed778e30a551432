package deploy

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
)

// envSecretChild makes the test binary a `valet secret put` client that a
// test kills -9 half-way through sending the value (read on stdin).
const envSecretChild = "VALET_DEPLOY_TEST_SECRET_CHILD"

// midSendLine is what the secret child prints when half the value is sent.
const midSendLine = "MID-SEND"

// runSecretChild puts the secret named by envSecretChild, with its value
// from stdin, into the project at envChild on DOCKER_HOST, and stops for
// good once half of the value is on its way.
func runSecretChild() int {
	proj, err := config.Load(config.LoadOptions{Path: os.Getenv(envChild)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	value, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	err = secretPut(context.Background(), Conn{Project: proj, Host: os.Getenv("DOCKER_HOST")},
		os.Getenv(envSecretChild), string(value), events.NewEmitter(nil), func() {
			fmt.Println(midSendLine)
			select {} // killed here
		})
	fmt.Fprintln(os.Stderr, "the secret put was not killed:", err)
	return 1
}

// needles are the forms of a secret a search looks for: as it is and
// base64-encoded at each of the three byte alignments.
func needles(secret string) [][]byte {
	out := [][]byte{[]byte(secret)}
	for pad := 0; pad < 3; pad++ {
		enc := base64.StdEncoding.EncodeToString(append(bytes.Repeat([]byte{0}, pad), secret...))
		// Drop the characters that depend on the padding bytes and the end.
		enc = strings.TrimRight(enc, "=")
		start := (pad*8 + 5) / 6
		out = append(out, []byte(enc[start:len(enc)-2]))
	}
	return out
}

// scan reads r to its end and reports whether any needle occurs in it;
// a gzip stream is searched once inflated.
func scan(r io.Reader, ns [][]byte) (bool, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return false, err
		}
		defer zr.Close()
		return scan(zr, ns)
	}
	longest := 0
	for _, n := range ns {
		longest = max(longest, len(n))
	}
	buf := make([]byte, 0, 1<<17)
	chunk := make([]byte, 1<<16)
	found := false
	for {
		n, err := br.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for _, nd := range ns {
			found = found || bytes.Contains(buf, nd)
		}
		if len(buf) > longest {
			buf = append(buf[:0], buf[len(buf)-longest:]...)
		}
		if err == io.EOF {
			return found, nil
		}
		if err != nil {
			return found, err
		}
	}
}

// scanTar searches each file of a tar stream (nested tars and gzip
// streams included, as `docker save` and CopyFromContainer give them) and
// returns the names of those holding a needle.
func scanTar(r io.Reader, ns [][]byte, prefix string) ([]string, error) {
	tr := tar.NewReader(r)
	var hits []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hits, nil
		}
		if err != nil {
			return hits, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return hits, err
		}
		if strings.HasSuffix(h.Name, ".tar") || bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			// A layer: search its files too (and its bytes, whatever they are).
			if inner, err := scanTar(bytes.NewReader(b), ns, prefix+h.Name+"!"); err == nil {
				hits = append(hits, inner...)
			}
		}
		if ok, _ := scan(bytes.NewReader(b), ns); ok {
			hits = append(hits, prefix+h.Name)
		}
	}
}

// scanDir searches every regular file under dir (a data root, a client's
// temp dir) and returns the paths holding a needle, skipping skip.
func scanDir(t *testing.T, dir string, ns [][]byte, skip func(string) bool) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file that went away meanwhile
		}
		if !d.Type().IsRegular() || skip(p) {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return nil
		}
		defer f.Close()
		if ok, _ := scan(f, ns); ok {
			hits = append(hits, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// valetBinary builds the real valet, static, as `make build` does.
var valetOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "valet-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "valet")
	cmd := exec.Command("go", "build", "-o", out, "github.com/valet-dev/valet")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build valet: %v\n%s", err, b)
	}
	return out, nil
})

// secretApp is an app that reads the secret API_KEY in its worker and runs
// a Durable Object with a container (its own image), which it starts
// without the secret.
func secretApp(t *testing.T) *project {
	p := newDurableProject(t)
	p.write("worker/index.js", `import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(request) {
    const c = this.ctx.container;
    if (!c.running) c.start({ env: { MSG: "box" }, enableInternet: false });
    const u = new URL(request.url);
    // Poll the port until the container listens (waitForPort does the same).
    for (let i = 0; ; i++) {
      try {
        const res = await c.getTcpPort(8080).fetch("http://container" + u.pathname);
        return new Response(await res.text(), { status: res.status });
      } catch (e) {
        if (i === 400 || !c.running) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

export default {
  fetch(request, env) {
    const u = new URL(request.url);
    if (u.pathname === "/api/health") return new Response("ok");
    if (u.pathname === "/api/secret") return new Response(env.API_KEY ?? "unset");
    return env.BOX.getByName("singleton").fetch(request);
  },
};
`)
	return p
}

// TestSecretsStaySecret puts a secret with the real valet binary, deploys
// an app that reads it, makes requests, and searches every place the
// secret must never be: all valet printed (plain and --json), the
// containers' inspect data (env, labels, cmd, mounts), every image's
// layers, the containers' logs, the state volume, the engine's whole data
// root and log, and the client's temp, home and project directories. The
// one place it may be is secrets.json on the state volume, 0600 and owned
// by root, the edge's user, in a volume no other container mounts. Then a
// client killed half-way through sending a second secret leaves it
// nowhere at all.
func TestSecretsStaySecret(t *testing.T) {
	valet, err := valetOnce()
	if err != nil {
		t.Fatal(err)
	}
	host := enginetest.StartDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e, err := engine.Connect(ctx, engine.Options{Host: host.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	mark := make([]byte, 16)
	_, _ = rand.Read(mark)
	secret := "vs-" + hex.EncodeToString(mark)
	ns := needles(secret)
	// The searches find what they look for, in a layer of a saved image too.
	if hits, err := scanTar(savedImage(t, "etc/app.conf", "key="+secret), ns, ""); err != nil || len(hits) == 0 {
		t.Fatalf("the image search misses a secret in a layer: %v %v", hits, err)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte("k=" + secret))
	if ok, _ := scan(strings.NewReader(b64), ns); !ok {
		t.Fatal("the search misses the secret in base64")
	}

	p := secretApp(t)
	d := newDeployer(t, p, host.Host)
	home, tmp := t.TempDir(), t.TempDir()
	var printed []string // "command: stream"
	var output bytes.Buffer
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, valet, append(args, "--host", host.Host)...)
		cmd.Dir = p.dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + tmp, "DOCKER_HOST=" + host.Host,
			"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "NO_COLOR=1", "CI=true"}
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		output.Write(stdout.Bytes())
		output.Write(stderr.Bytes())
		printed = append(printed, fmt.Sprintf("valet %s: %d+%d bytes", strings.Join(args, " "), stdout.Len(), stderr.Len()))
		if err != nil {
			t.Fatalf("valet %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String()
	}

	run("", "deploy", "--yes", "--ip", "127.0.0.1")
	run(secret+"\n", "secret", "put", "API_KEY")
	// A second version (the app has no assets: its worker changes).
	src, err := os.ReadFile(filepath.Join(p.dir, "worker", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	p.write("worker/index.js", string(src)+"\n// v2\n")
	run("", "deploy", "--yes", "--ip", "127.0.0.1", "--json")
	// The worker sees the secret; the object's container (started without
	// it) answers.
	serves := func(when string) {
		t.Helper()
		if _, body := httpGet(t, p.url("/api/secret")); body != secret {
			t.Fatalf("%s, the worker does not see the secret: %q", when, body)
		}
		if got := request(t, "GET", p.url("/api/box")); !strings.HasPrefix(got, "hello box GET /api/box") {
			t.Fatalf("%s, the object's container: %q", when, got)
		}
	}
	serves("once deployed")
	run("", "secret", "list")
	run("", "secret", "list", "--json")
	run("", "versions")
	var vs []VersionInfo
	if err := json.Unmarshal([]byte(run("", "versions", "--json")), &vs); err != nil || len(vs) != 2 {
		t.Fatalf("versions --json: %+v %v", vs, err)
	}
	run("", "rollback", "--yes", "--json")
	run("", "rollback", "--yes", vs[0].ID)
	run("", "deploy", "--yes", "--ip", "127.0.0.1", "--dry-run")
	serves("after the rollbacks")
	run("", "logs", "--no-follow")
	run("", "logs", "--no-follow", "--json")

	var where []string
	found := func(place string, hit bool) {
		if hit {
			where = append(where, place)
		}
	}
	// 1. Everything valet printed.
	hit, _ := scan(bytes.NewReader(output.Bytes()), ns)
	found("valet's output", hit)

	// 2. Every container of the app: inspect data and logs.
	all, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name})
	if err != nil {
		t.Fatal(err)
	}
	var edgeID string
	var objects int
	for _, c := range all {
		ins, err := e.Client().ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(ins.Container)
		hit, _ := scan(bytes.NewReader(raw), ns)
		found("docker inspect "+c.Name, hit)
		role := c.Labels[LabelRole]
		if role == "edge" && c.Running() {
			edgeID = c.ID
		}
		if role == edgehost.RoleDurable {
			objects++
			for _, m := range ins.Container.Mounts {
				if m.Name == VolumeName(p.name) {
					t.Errorf("the object's container %s mounts the state volume, secrets and all", c.Name)
				}
			}
		}
		rc, err := e.Logs(ctx, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		hit, _ = scan(rc, ns)
		rc.Close()
		found("docker logs "+c.Name, hit)
	}
	if edgeID == "" || objects == 0 {
		t.Fatalf("want the edge and an object's container on the host: %+v", all)
	}

	// 3. Every image's layers, exported through the Engine API.
	imgs, err := e.Client().ImageList(ctx, client.ImageListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs.Items) < 2 {
		t.Fatalf("want the edge image and the app's image, have %d images", len(imgs.Items))
	}
	for _, im := range imgs.Items {
		rc, err := e.SaveImages(ctx, []string{im.ID})
		if err != nil {
			t.Fatal(err)
		}
		files, err := scanTar(rc, ns, "")
		rc.Close()
		if err != nil {
			t.Fatalf("export image %s: %v", im.ID, err)
		}
		found(fmt.Sprintf("image %s %v: %v", im.ID, im.RepoTags, files), len(files) > 0)
	}

	// 4. The state volume: only secrets.json, 0600, root's.
	rc, err := e.Client().CopyFromContainer(ctx, edgeID, client.CopyFromContainerOptions{SourcePath: edgehost.DefaultStateDir})
	if err != nil {
		t.Fatal(err)
	}
	var secretsFile *tar.Header
	var stateHits []string
	tr := tar.NewReader(rc.Content)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if ok, _ := scan(tr, ns); ok {
			if h.Name == "state/secrets.json" {
				secretsFile = h
				continue
			}
			stateHits = append(stateHits, h.Name)
		}
	}
	rc.Content.Close()
	found(fmt.Sprintf("the state volume: %v", stateHits), len(stateHits) > 0)
	if secretsFile == nil {
		t.Errorf("the secret is not in secrets.json on the state volume")
	} else if secretsFile.Mode&0o777 != 0o600 || secretsFile.Uid != 0 {
		t.Errorf("secrets.json: mode %o, uid %d; want 0600 and root's (the edge's user)", secretsFile.Mode&0o777, secretsFile.Uid)
	}
	eins, err := e.Client().ContainerInspect(ctx, edgeID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u := eins.Container.Config.User; u != "" && u != "root" && u != "0" {
		t.Errorf("the edge runs as %q, not as secrets.json's owner", u)
	}

	// 5. The engine's whole data root and log, bar that one file.
	// The search must find that one file: it shows the search works.
	secretsPath := filepath.Join(host.Dir, "data", "volumes", VolumeName(p.name), "_data", "secrets.json")
	var rootHits []string
	sawSecrets := false
	for _, h := range scanDir(t, host.Dir, ns, func(string) bool { return false }) {
		if h == secretsPath {
			sawSecrets = true
			continue
		}
		rootHits = append(rootHits, h)
	}
	if !sawSecrets {
		t.Errorf("the search of the data root did not find the secret in %s", secretsPath)
	}
	if fi, err := os.Stat(secretsPath); err != nil || fi.Mode().Perm() != 0o600 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("secrets.json on the host: %v %v; want 0600, root's", fi.Mode(), err)
	}
	found("the engine's data root: "+strings.Join(rootHits, ", "), len(rootHits) > 0)

	// 6. The client's temp dir, home and project.
	for _, dir := range []string{tmp, home, p.dir} {
		hits := scanDir(t, dir, ns, func(string) bool { return false })
		found("the client's "+dir+": "+strings.Join(hits, ", "), len(hits) > 0)
	}
	t.Logf("searched for the secret (and its base64 forms) in: the output of %d valet commands (%d bytes); inspect and logs of %d containers; %d images' layers; the state volume; the engine's data root %s; the client's temp, home and project directories",
		len(printed), output.Len(), len(all), len(imgs.Items), host.Dir)
	for _, c := range printed {
		t.Log("  " + c)
	}
	if len(where) > 0 {
		t.Fatalf("the secret was found in:\n  %s", strings.Join(where, "\n  "))
	}

	// 7. A client killed half-way through sending a second secret.
	t.Run("killed mid-send", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Fatal("the engine's data root is searched as a Linux path")
		}
		mark := make([]byte, 16)
		_, _ = rand.Read(mark)
		second := "vk-" + hex.EncodeToString(mark)
		ns := needles(second)
		childTmp := t.TempDir()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envChild+"="+filepath.Join(p.dir, "valet.jsonc"), envSecretChild+"=KILLED",
			"DOCKER_HOST="+host.Host, "TMPDIR="+childTmp)
		cmd.Stdin = strings.NewReader(second)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if sc.Text() == midSendLine {
				sent = true
				break
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		if !sent {
			t.Fatal("the child ended before it had sent half the secret")
		}
		// The edge's exec ends once its input is cut: wait for that.
		waitExecsDone(t, ctx, e, edgeID)
		names, err := SecretNames(ctx, d.conn, nil)
		if err != nil || strings.Join(names, ",") != "API_KEY" {
			t.Errorf("secrets after the kill: %v %v", names, err)
		}
		hits := append(scanDir(t, host.Dir, ns, func(string) bool { return false }), scanDir(t, childTmp, ns, func(string) bool { return false })...)
		if len(hits) > 0 {
			t.Fatalf("the killed client's secret is on disk: %v", hits)
		}
		t.Logf("killed half-way through the send: the secret is nowhere in %s or the client's temp dir", host.Dir)
	})
}

// savedImage is a `docker save` stream of one layer holding name.
func savedImage(t *testing.T, name, content string) io.Reader {
	t.Helper()
	var layer, out bytes.Buffer
	lw := tar.NewWriter(&layer)
	if err := writeTarFile(lw, name, 0o644, []byte(content)); err != nil {
		t.Fatal(err)
	}
	_ = lw.Close()
	ow := tar.NewWriter(&out)
	if err := writeTarFile(ow, "abc/layer.tar", 0o644, layer.Bytes()); err != nil {
		t.Fatal(err)
	}
	_ = ow.Close()
	return &out
}

// waitExecsDone waits until no exec runs in container id.
func waitExecsDone(t *testing.T, ctx context.Context, e *engine.Engine, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ins, err := e.Client().ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		running := 0
		for _, x := range ins.Container.ExecIDs {
			if xi, err := e.Client().ExecInspect(ctx, x, client.ExecInspectOptions{}); err == nil && xi.Running {
				running++
			}
		}
		if running == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d exec(s) still run in the edge", running)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
