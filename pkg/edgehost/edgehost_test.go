package edgehost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/build"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// worker returns an ES module worker (the bundle contract) answering body,
// or failing with status on path /health when status != 200.
func worker(body string, status int) string {
	return `export default { fetch(req, env) {
		const u = new URL(req.url);
		if (u.pathname === "/health" && ` + itoa(status) + ` !== 200) { console.log("health is failing"); return new Response("sick", {status: ` + itoa(status) + `}); }
		if (u.pathname === "/secret") return new Response(env.TOKEN || "none");
		return new Response(` + "`" + body + "`" + `);
	} };`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// upload writes a manifest with the given files into incoming/<tx> as the
// client would, returning the manifest.
func upload(t *testing.T, s *Store, tx, script string, assets map[string]string, cfg string) *build.Manifest {
	t.Helper()
	in := filepath.Join(s.Dir, "incoming", tx)
	if err := os.MkdirAll(filepath.Join(in, "blobs"), 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(name, content string) build.FileEntry {
		sum := sha256.Sum256([]byte(content))
		h := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(in, "blobs", h), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return build.FileEntry{Path: name, Hash: h, Size: int64(len(content))}
	}
	m := &build.Manifest{App: "demo", Config: json.RawMessage(cfg)}
	w := put("worker.js", script)
	m.Worker = &w
	for p, c := range assets {
		m.Assets = append(m.Assets, put("assets/"+p, c))
	}
	sum := sha256.Sum256([]byte(script + cfg + tx))
	m.Digest = "sha256:" + hex.EncodeToString(sum[:])
	m.Version = m.Digest[7:19]
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(in, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// host is an edge server on a state directory, as on a deployed host.
type host struct {
	store   *Store
	url     string // where the app answers
	control string // the control socket valet deploy talks to
	stop    func() error
}

// serveHost runs Serve on dir until stop or the end of the test.
func serveHost(t *testing.T, dir, control string) *host {
	t.Helper()
	return serveWithWorkerd(t, dir, control, workerdtest.Binary(t))
}

func TestServeActivateRollback(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	control := filepath.Join(t.TempDir(), "c.sock")
	h := serveHost(t, dir, control)
	s, url := h.store, h.url
	if code, _ := get(t, url+"/"); code != http.StatusServiceUnavailable {
		t.Fatalf("before a deploy: %d, want 503", code)
	}
	cfg := `{"name":"demo","compatibility_date":"2025-06-01","assets":{"directory":"dist"},"deploy":{"healthcheck":{"path":"/health","interval":"50ms","deadline":"300ms"}}}`
	m1 := upload(t, s, "tx1", worker("v1", 200), map[string]string{"a.txt": "asset one"}, cfg)
	plan, err := s.Plan("tx1")
	if err != nil || len(plan.Missing) != 2 || plan.Summary != "first version" {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	if _, err := s.Stage("tx1"); err != nil {
		t.Fatal(err)
	}
	res, err := activateVia(ctx, control, m1.Version)
	if err != nil || !res.OK {
		t.Fatalf("activate v1: %+v %v", res, err)
	}
	if _, body := get(t, url+"/"); body != "v1" {
		t.Fatalf("v1 body %q", body)
	}
	if _, body := get(t, url+"/a.txt"); body != "asset one" {
		t.Fatalf("asset body %q", body)
	}

	// A second version sharing the asset: only the worker is missing.
	m2 := upload(t, s, "tx2", worker("v2", 200), map[string]string{"a.txt": "asset one"}, cfg)
	if plan, _ := s.Plan("tx2"); len(plan.Missing) != 1 || plan.Summary != "worker changed" {
		t.Fatalf("plan 2 = %+v", plan)
	}
	if _, err := s.Stage("tx2"); err != nil {
		t.Fatal(err)
	}
	if res, _ := activateVia(ctx, control, m2.Version); !res.OK {
		t.Fatalf("activate v2: %+v", res)
	}
	if _, body := get(t, url+"/"); body != "v2" {
		t.Fatalf("v2 body %q", body)
	}

	// A failing version: the check fails, v2 keeps serving, the logs say why.
	m3 := upload(t, s, "tx3", worker("v3", 500), nil, cfg)
	if _, err := s.Stage("tx3"); err != nil {
		t.Fatal(err)
	}
	res, _ = activateVia(ctx, control, m3.Version)
	if res.OK || res.Check == nil || res.Check.Status != 500 || !strings.Contains(strings.Join(res.Logs, "\n"), "health is failing") {
		t.Fatalf("failing version: %+v", res)
	}
	if _, body := get(t, url+"/"); body != "v2" {
		t.Fatalf("after a failed check: %q, want v2", body)
	}

	// Secrets reach env after a reload.
	if _, err := s.PutSecret("TOKEN", "s3cret", false); err != nil {
		t.Fatal(err)
	}
	if res, _ := activateVia(ctx, control, ""); !res.OK {
		t.Fatalf("reload: %+v", res)
	}
	if _, body := get(t, url+"/secret"); body != "s3cret" {
		t.Fatalf("secret %q", body)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "secrets.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("secrets.json mode %v", fi.Mode())
	}

	// Rollback to v1, then a restart serves the active version by itself.
	if res, _ := activateVia(ctx, control, m1.Version); !res.OK {
		t.Fatalf("rollback: %+v", res)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	url = serveHost(t, dir, control).url
	if _, body := get(t, url+"/"); body != "v1" {
		t.Fatalf("after restart %q, want v1", body)
	}
	st, _ := s.Read()
	if st.Active != m1.Version || len(st.History) != 3 {
		t.Fatalf("state %+v", st)
	}
}

func TestLock(t *testing.T) {
	s, _ := NewStore(t.TempDir())
	a := Lock{Holder: "ann@laptop", Token: "a", Command: "deploy"}
	if r, err := s.TryLock(a, ""); err != nil || !r.Acquired {
		t.Fatal(r, err)
	}
	b := Lock{Holder: "bob@desk", Token: "b"}
	if r, _ := s.TryLock(b, ""); r.Acquired || r.Held.Holder != "ann@laptop" {
		t.Fatalf("second lock: %+v", r)
	}
	if r, _ := s.TryLock(b, "a"); !r.Acquired || r.TookOver.Token != "a" {
		t.Fatalf("take over: %+v", r)
	}
	if err := s.Unlock("a"); err != nil { // not the holder any more: no effect
		t.Fatal(err)
	}
	if st, _ := s.Read(); st.Lock == nil || st.Lock.Token != "b" {
		t.Fatalf("lock %+v", st.Lock)
	}
	// Old locks are stale for anyone.
	_, _ = s.Update(func(st *State) error { st.Lock.Time = time.Now().Add(-LockStale - time.Minute); return nil })
	if r, _ := s.TryLock(a, ""); !r.Acquired {
		t.Fatalf("stale lock not taken: %+v", r)
	}
}

// TestLockRenewal moves the store's clock: a holder that renews keeps its
// lock however long it works; one that stops renewing loses it LockStale
// after its last renewal, and a renewal then says it is lost.
func TestLockRenewal(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s, _ := NewStore(t.TempDir())
	s.Clock = func() time.Time { return now }
	slow := Lock{Holder: "ann@laptop", Token: "slow", Command: "deploy"}
	if r, err := s.TryLock(slow, ""); err != nil || !r.Acquired {
		t.Fatal(r, err)
	}
	other := Lock{Holder: "bob@desk", Token: "other", Command: "deploy"}
	// An hour of work, renewed every LockRenew: never stale.
	for i := 0; i < 60; i++ {
		now = now.Add(LockRenew)
		if r, err := s.Renew("slow"); err != nil || !r.Acquired {
			t.Fatalf("renewal %d: %+v %v", i, r, err)
		}
		if r, _ := s.TryLock(other, ""); r.Acquired || r.Held.Token != "slow" {
			t.Fatalf("after %s of a renewed lock, another client took it: %+v", time.Duration(i+1)*LockRenew, r)
		}
	}
	st, _ := s.Read()
	if age := now.Sub(st.Lock.Time); age < LockStale {
		t.Fatalf("the lock is only %s old; the test means to outlive LockStale", age)
	}
	// Not renewed any more: stale once LockStale has passed since the last renewal.
	now = now.Add(LockStale - time.Second)
	if r, _ := s.TryLock(other, ""); r.Acquired {
		t.Fatalf("taken %s after the last renewal: %+v", LockStale-time.Second, r)
	}
	now = now.Add(2 * time.Second)
	r, _ := s.TryLock(other, "")
	if !r.Acquired || r.TookOver == nil || r.TookOver.Token != "slow" {
		t.Fatalf("an unrenewed lock past LockStale was not taken over: %+v", r)
	}
	if r, _ := s.Renew("slow"); r.Acquired || r.Held == nil || r.Held.Token != "other" {
		t.Fatalf("a renewal of a lost lock: %+v", r)
	}
}

func TestHealthFromConfigErrors(t *testing.T) {
	for _, tc := range []string{"nope", "-1s"} {
		_, err := HealthFromConfig(cfgWithInterval(tc))
		if err == nil || !strings.Contains(err.Error(), "deploy.healthcheck.interval") {
			t.Errorf("%q: %v", tc, err)
		}
	}
}
