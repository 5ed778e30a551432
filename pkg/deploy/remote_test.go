package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// errNoLocal is the local engine of a test that must not touch it.
func errNoLocal(context.Context) (*engine.Engine, error) {
	return nil, errors.New("the local engine was used, though deploy.build is \"remote\"")
}

// withDeployKey adds `key: value` (raw JSON) to the project's deploy block.
func (p *project) withDeployKey(key, value string) {
	p.t.Helper()
	path := filepath.Join(p.dir, "valet.jsonc")
	b, err := os.ReadFile(path)
	if err != nil {
		p.t.Fatal(err)
	}
	s := strings.Replace(string(b), `"deploy": {`, `"deploy": { "`+key+`": `+value+`,`, 1)
	if s == string(b) {
		p.t.Fatalf("no deploy block in %s", path)
	}
	p.write("valet.jsonc", s)
}

// TestDeployRemoteBuild deploys an app with a container image to a second,
// private dockerd with deploy.build "remote": the image is built on that
// engine from a context holding a nonce (so it exists nowhere else), no
// image byte is shipped, the local engine is never asked, and the Durable
// Object's container answers.
func TestDeployRemoteBuild(t *testing.T) {
	remote := enginetest.StartDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := newDurableProject(t)
	p.withDeployKey("build", `"remote"`)
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	p.write("nonce.txt", hex.EncodeToString(nonce))
	p.write("Dockerfile", "FROM scratch\nCOPY server /server\nCOPY nonce.txt /nonce.txt\nEXPOSE 8080\nENTRYPOINT [\"/server\"]\n")
	d := newDeployer(t, p, remote.Host)

	out := filepath.Join(p.dir, ".valet", "build")
	start := time.Now()
	res, err := Run(ctx, Options{
		Conn: Conn{Project: p.load(), Host: remote.Host}, BindIP: "127.0.0.1", EdgeBinary: edgeBinary(t), Workerd: workerdtest.Binary(t),
		OutDir: out, Events: events.NewEmitter(d.rec), Local: errNoLocal,
	})
	if err != nil {
		t.Fatalf("deploy with a remote build: %v\nlog of the remote dockerd: %s", err, filepath.Join(remote.Dir, "dockerd.log"))
	}
	t.Logf("remote build deploy: %s, %d bytes sent (edge image and files), %d images sent", time.Since(start).Round(time.Millisecond), res.Bytes, res.Images)
	if !res.Switched || res.Images != 0 {
		t.Fatalf("remote build deploy: %+v", res)
	}
	var skipped, built bool
	for _, ev := range d.rec.Events() {
		skipped = skipped || (ev.Kind == events.StepSkipped && ev.Step == "images")
		built = built || (ev.Step == "images" && ev.Kind == events.Progress)
	}
	if !skipped || built {
		t.Errorf("the images step should have been skipped, nothing sent (skipped %v, progress %v)", skipped, built)
	}

	m, err := build.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Images) != 1 {
		t.Fatalf("manifest images: %+v", m.Images)
	}
	re, err := engine.Connect(ctx, engine.Options{Host: remote.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if _, ok, err := re.ImageExists(ctx, m.Images[0].ID); err != nil || !ok {
		t.Fatalf("image %s (%s) is not on the remote engine: %v", m.Images[0].Ref, m.Images[0].ID, err)
	}
	if local := enginetest.Connect(t); local.Host() != remote.Host {
		if _, ok, _ := local.ImageExists(ctx, m.Images[0].ID); ok {
			t.Errorf("image %s is on the local engine %s too: it was built there", m.Images[0].ID, local.Host())
		}
	}

	if got := request(t, "POST", p.url("/api/a")); !strings.HasPrefix(got, "v1 1 hello v1-none POST /api/a") {
		t.Fatalf("the object's container: %q", got)
	}

	// A redeploy with a changed image builds it there again.
	p.write("nonce.txt", "changed "+hex.EncodeToString(nonce))
	p.durableWorker("v2")
	res, err = Run(ctx, Options{
		Conn: Conn{Project: p.load(), Host: remote.Host}, BindIP: "127.0.0.1", EdgeBinary: edgeBinary(t), Workerd: workerdtest.Binary(t),
		OutDir: out, Events: events.NewEmitter(d.rec), Local: errNoLocal,
	})
	if err != nil {
		t.Fatalf("redeploy with a remote build: %v", err)
	}
	if !res.Switched || res.Images != 0 || !strings.Contains(res.Summary, "image") {
		t.Fatalf("remote build redeploy: %+v", res)
	}
	if got := request(t, "POST", p.url("/api/b")); !strings.HasPrefix(got, "v2 2 hello v2-none POST /api/b") {
		t.Fatalf("after the redeploy: %q", got)
	}
}
