package deploy

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/edgehost"
	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// lockAs takes the app's deploy lock as another client (eve, elsewhere).
func lockAs(t *testing.T, ctx context.Context, tg *Target, token, command string) *edgehost.LockResult {
	t.Helper()
	var lr edgehost.LockResult
	if _, err := tg.edge(ctx, &lr, "lock", "--token", token, "--holder", "eve@elsewhere", "--hostname", "elsewhere", "--pid", "1", "--command", command); err != nil {
		t.Fatalf("lock as eve: %v", err)
	}
	return &lr
}

// writeState replaces state.json on the host (as a power cut could leave
// it, or as time would make it).
func writeState(t *testing.T, ctx context.Context, tg *Target, st *edgehost.State) {
	t.Helper()
	b, _ := json.MarshalIndent(st, "", "  ")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := writeTarFile(tw, "state.json", 0o644, b); err != nil {
		t.Fatal(err)
	}
	_ = tw.Close()
	if _, err := tg.E.Client().CopyToContainer(ctx, tg.EdgeID(), client.CopyToContainerOptions{DestinationPath: edgehost.DefaultStateDir, Content: &buf}); err != nil {
		t.Fatal(err)
	}
}

// deployedTarget deploys a new worker app to the test engine and returns
// it with its target (the running edge).
func deployedTarget(t *testing.T, ctx context.Context) (*engine.Engine, *project, *deployer, *Target) {
	t.Helper()
	e := enginetest.Connect(t)
	p := newProject(t, "")
	d := newDeployer(t, p, e.Host())
	d.mustDeploy(ctx)
	tg, err := d.conn.attached(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.E.Close() })
	return e, p, d, tg
}

// TestLockRenewedDuringDeploy stops a deploy after it took the lock, makes
// the lock look 20 minutes old (older than edgehost.LockStale), and waits
// for the deploy's next renewal: another client is then refused, however
// old the lock's start, and the deploy goes on to switch.
func TestLockRenewedDuringDeploy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, p, d, tg := deployedTarget(t, ctx)
	p.worker("v2")
	paused, resume := make(chan struct{}), make(chan struct{})
	conn := d.conn
	conn.Project = p.load()
	conn.LockRenew = 100 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Options{
			Conn: conn, BindIP: "127.0.0.1", EdgeBinary: edgeBinary(t), Workerd: workerdtest.Binary(t),
			OutDir: filepath.Join(p.dir, ".valet", "build"), Events: events.NewEmitter(d.rec),
			beforeStep: func(step string) {
				if step == "plan" { // the lock is held from here on
					close(paused)
					<-resume
				}
			},
		})
		done <- err
	}()
	select {
	case <-paused:
	case err := <-done:
		t.Fatalf("the deploy ended before its plan step: %v", err)
	}
	st, err := tg.State(ctx)
	if err != nil || st.Lock == nil || st.Lock.Command != "deploy" {
		t.Fatalf("the paused deploy's lock: %+v %v", st, err)
	}
	old := time.Now().UTC().Add(-edgehost.LockStale - 5*time.Minute)
	st.Lock.Time, st.Lock.Renewed = old, old
	writeState(t, ctx, tg, st)
	// Wait for a renewal after the backdating (the state the test reads).
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := tg.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Lock != nil && st.Lock.Renewed.After(old.Add(time.Minute)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running deploy did not renew its lock: %+v", st.Lock)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if lr := lockAs(t, ctx, tg, "eve", "deploy"); lr.Acquired || lr.Held == nil || lr.Held.Holder == "eve@elsewhere" {
		t.Fatalf("another client took the lock of a running deploy started %s ago: %+v", time.Since(old).Round(time.Minute), lr)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatalf("the renewed deploy: %v", err)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("after the renewed deploy: %q", body)
	}
	if st, _ := tg.State(ctx); st.Lock != nil {
		t.Errorf("the lock stays after the deploy: %+v", st.Lock)
	}
}

// TestLockCoversEdgeAndDestroy holds the lock as another client: a deploy
// that would replace the edge (a new valet release) and a destroy are
// refused, saying who holds it, since when, running what, and what to do;
// the edge, its version and the app's data stay as they were.
func TestLockCoversEdgeAndDestroy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	e, p, d, tg := deployedTarget(t, ctx)
	edgeBefore := tg.EdgeID()
	if lr := lockAs(t, ctx, tg, "eve", "deploy"); !lr.Acquired {
		t.Fatalf("lock as eve: %+v", lr)
	}
	refused := func(what string, err error, command string) {
		t.Helper()
		var le *LockedError
		if !errors.As(err, &le) {
			t.Fatalf("%s while eve holds the lock: %v", what, err)
		}
		msg := err.Error()
		for _, want := range []string{"valet " + command, "eve@elsewhere", "since ", "running `valet deploy`", "Wait for it to finish", "expires at"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: the refusal does not say %q:\n%s", what, want, msg)
			}
		}
		t.Logf("%s refused:\n%s", what, msg)
		list, err := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name, LabelRole: "edge"})
		if err != nil || len(list) != 1 || list[0].ID != edgeBefore || !list[0].Running() {
			t.Fatalf("%s changed the edge while eve held the lock: %+v %v (was %s)", what, list, err, edgeBefore)
		}
		if _, body := httpGet(t, p.url("/api/version")); body != "v1" {
			t.Fatalf("after a refused %s: %q", what, body)
		}
	}

	// A new valet release would replace the edge container.
	newBin := newRelease(t)
	_, err := Run(ctx, Options{Conn: Conn{Project: p.load(), Host: e.Host()}, BindIP: "127.0.0.1", EdgeBinary: newBin, Workerd: workerdtest.Binary(t),
		OutDir: filepath.Join(p.dir, ".valet", "build"), Events: events.NewEmitter(d.rec)})
	refused("an edge replacement", err, "deploy")

	_, err = Destroy(ctx, d.conn, nil)
	refused("destroy", err, "destroy")
	if _, err := e.Client().VolumeInspect(ctx, VolumeName(p.name), clientVolumeInspect()); err != nil {
		t.Fatalf("the state volume is gone after a refused destroy: %v", err)
	}
	_, err = Rollback(ctx, d.conn, "", events.NewEmitter(d.rec))
	refused("rollback", err, "rollback")
	refused("secret put", SecretPut(ctx, d.conn, "TOKEN", "x", events.NewEmitter(d.rec)), "secret put")
	refused("secret delete", SecretDelete(ctx, d.conn, "TOKEN", events.NewEmitter(d.rec)), "secret delete")

	// Once eve is done, both go through.
	if _, err := tg.edge(ctx, nil, "unlock", "eve"); err != nil {
		t.Fatal(err)
	}
	p.worker("v2")
	res, err := Run(ctx, Options{Conn: Conn{Project: p.load(), Host: e.Host()}, BindIP: "127.0.0.1", EdgeBinary: newBin, Workerd: workerdtest.Binary(t),
		OutDir: filepath.Join(p.dir, ".valet", "build"), Events: events.NewEmitter(d.rec)})
	if err != nil || !res.Edge.Replaced {
		t.Fatalf("the edge replacement once the lock is free: %+v %v", res, err)
	}
	if _, body := httpGet(t, p.url("/api/version")); body != "v2" {
		t.Fatalf("after the edge replacement: %q", body)
	}
	if _, err := Destroy(ctx, d.conn, nil); err != nil {
		t.Fatal(err)
	}
	if left, _ := e.ListByLabels(ctx, map[string]string{engine.LabelApp: p.name}); len(left) != 0 {
		t.Fatalf("left after destroy: %+v", left)
	}
}
