package devserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/valet-dev/valet/pkg/engine"
	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// The app of TestImageRebuiltOnlyWhenItsInputsChange: its Dockerfile sits at
// the project root, so the build context is the whole project (worker,
// lockfile, the --persist-to directory); the Durable Object writes its
// storage on every request and passes it to the template's backend, which
// counts in memory.
const rootContextConfig = `{
  "name": %q,
  "main": "worker/index.ts",
  "compatibility_date": "2025-06-01",
  "containers": [{ "class_name": "Backend", "image": "./Dockerfile", "max_instances": 1 }],
  "durable_objects": { "bindings": [{ "name": "BACKEND", "class_name": "Backend" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Backend"] }]
}`

const rootContextDockerfile = `FROM scratch
COPY backend/server /server
COPY backend/VERSION /VERSION
EXPOSE 3210
ENTRYPOINT ["/server"]
`

const rootContextWorker = `import { DurableObject } from "cloudflare:workers";

export class Backend extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    await this.ctx.storage.put("hits", ((await this.ctx.storage.get<number>("hits")) ?? 0) + 1);
    const container = this.ctx.container!;
    if (!container.running) container.start();
    const body = request.method === "GET" ? null : await request.arrayBuffer();
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        return await container.getTcpPort(3210).fetch(request.url, { method: request.method, body });
      } catch (err) {
        if (Date.now() > deadline) throw err;
        if (!container.running) container.start();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

export default {
  async fetch(request: Request, env: any): Promise<Response> {
    if (new URL(request.url).pathname === "/version") return new Response("worker v1");
    return env.BACKEND.get(env.BACKEND.idFromName("one")).fetch(request);
  },
};
`

// idleWindow is how long TestImageRebuiltOnlyWhenItsInputsChange watches
// valet dev run with nothing edited; VALET_TEST_IDLE (e.g. 60s) widens it.
func idleWindow(t *testing.T) time.Duration {
	if v := os.Getenv("VALET_TEST_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("VALET_TEST_IDLE=%q: %v", v, err)
		}
		return d
	}
	return 10 * time.Second
}

// TestImageRebuiltOnlyWhenItsInputsChange: with --persist-to ./state inside
// a project whose build context is the project root, valet dev builds the
// image once and not again while the app runs and writes its state and
// logs there; an edit of the worker, or npm install, leaves the backend's
// memory alone; a change of a file the Dockerfile copies builds a new
// image, and its container restarts.
func TestImageRebuiltOnlyWhenItsInputsChange(t *testing.T) {
	e := enginetest.Connect(t)
	t.Setenv("DOCKER_HOST", e.Host())
	dir := t.TempDir()
	name := fmt.Sprintf("imgloop-%d", time.Now().UnixNano())
	testfs.WriteFile(t, filepath.Join(dir, "valet.jsonc"), fmt.Sprintf(rootContextConfig, name))
	testfs.WriteFile(t, filepath.Join(dir, "Dockerfile"), rootContextDockerfile)
	testfs.WriteFile(t, filepath.Join(dir, "worker", "index.ts"), rootContextWorker)
	testfs.WriteFile(t, filepath.Join(dir, "backend", "VERSION"), "1\n")
	testfs.WriteFile(t, filepath.Join(dir, "package-lock.json"), `{"lockfileVersion": 3}`)
	compileBackend(t, filepath.Join(dir, "backend", "server"))
	t.Cleanup(func() { removeAppImages(e, name) })

	s := startDevWith(t, dir, Options{PersistTo: filepath.Join(dir, "state")}) // --persist-to ./state
	if got := builds(s.rec); got != 1 {
		t.Fatalf("%d image builds at start, want 1", got)
	}
	for want := 1; want <= 3; want++ {
		if v := counter(t, s.url, "POST", "/api/counter/increment"); v != want {
			t.Fatalf("increment %d: counter = %d", want, v)
		}
	}

	// Nothing edited: the app runs, writes its storage and a log in ./state.
	window := idleWindow(t)
	end := time.Now().Add(window)
	logFile := filepath.Join(dir, "state", "app.log")
	for i := 0; time.Now().Before(end); i++ {
		if v := counter(t, s.url, "GET", "/api/counter"); v != 3 {
			t.Fatalf("after %s idle the counter is %d, want 3: the container restarted", window-time.Until(end), v)
		}
		appendFile(t, logFile, fmt.Sprintf("line %d\n", i))
		time.Sleep(200 * time.Millisecond) // the pace of the app's own writes, not an order of events
	}
	if _, err := os.Stat(filepath.Join(dir, "state")); err != nil {
		t.Fatalf("--persist-to ./state holds nothing: %v", err)
	}
	t.Logf("image builds in %s of valet dev with nothing edited: %d", window, builds(s.rec))
	if got := builds(s.rec); got != 1 {
		t.Fatalf("%d image builds in %s with nothing edited, want 1", got, window)
	}
	// Not even a check: valet's own writes are no input.
	if got := count(s.rec, imageBuilt); got != 1 {
		t.Fatalf("%d image steps in %s with nothing edited, want the first build's alone", got, window)
	}

	// An edit of the worker reloads it; the backend keeps its memory.
	reloads := count(s.rec, func(ev events.Event) bool { return ev.Kind == events.Reloaded })
	testfs.WriteFile(t, filepath.Join(dir, "worker", "index.ts"), strings.Replace(rootContextWorker, "worker v1", "worker v2", 1))
	waitFor(t, s.rec, "the worker's reload", func(ev events.Event) bool { return ev.Kind == events.Reloaded }, reloads+1)
	if code, body := get(t, s.url+"/version"); code != 200 || body != "worker v2" {
		t.Fatalf("GET /version = %d %q after the edit", code, body)
	}
	if v := counter(t, s.url, "GET", "/api/counter"); v != 3 {
		t.Fatalf("after a worker edit the counter is %d, want 3: the container restarted", v)
	}

	// npm install: node_modules and the lockfile change; the image Docker
	// builds from the new context is the one running.
	done := count(s.rec, imageBuilt)
	testfs.WriteFile(t, filepath.Join(dir, "node_modules", "left-pad", "index.js"), "module.exports = 1")
	testfs.WriteFile(t, filepath.Join(dir, "package-lock.json"), `{"lockfileVersion": 3, "packages": {"node_modules/left-pad": {}}}`)
	waitFor(t, s.rec, "the image check after the lockfile changed", imageBuilt, done+1)
	if v := counter(t, s.url, "GET", "/api/counter"); v != 3 {
		t.Fatalf("after npm install the counter is %d, want 3: the container restarted", v)
	}

	// A file the Dockerfile copies: a new image, a new container. This also
	// shows that the idle window above would have seen a build.
	built := builds(s.rec)
	testfs.WriteFile(t, filepath.Join(dir, "backend", "VERSION"), "2\n")
	waitFor(t, s.rec, "the new image's version", func(ev events.Event) bool {
		return ev.Kind == events.Info && strings.Contains(ev.Message, "new image for Backend")
	}, 1)
	if got := builds(s.rec); got != built+1 {
		t.Errorf("%d image builds for one change of backend/VERSION, want 1", got-built)
	}
	if v := counter(t, s.url, "GET", "/api/counter"); v != 0 {
		t.Errorf("after a new image the counter is %d, want 0 (a new container)", v)
	}
}

// builds counts the image builds the engine ran (a build skipped because
// its input digest exists is no build).
func builds(rec *events.Recorder) int {
	return count(rec, func(ev events.Event) bool {
		return ev.Kind == events.StepStarted && strings.HasPrefix(ev.Step, "image:")
	})
}

// imageBuilt is an image step that ended, built or found unchanged.
func imageBuilt(ev events.Event) bool {
	return strings.HasPrefix(ev.Step, "image:") && (ev.Kind == events.StepDone || ev.Kind == events.StepSkipped)
}

func count(rec *events.Recorder, match func(events.Event) bool) int {
	n := 0
	for _, ev := range rec.Events() {
		if match(ev) {
			n++
		}
	}
	return n
}

// waitFor waits until n events match.
func waitFor(t *testing.T, rec *events.Recorder, what string, match func(events.Event) bool, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for count(rec, match) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 60s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// counter asks the backend for its counter through the worker.
func counter(t *testing.T, base, method, path string) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		Value int `json:"value"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != 200 {
		t.Fatalf("%s %s = %d, %v", method, path, res.StatusCode, err)
	}
	return v.Value
}

// compileBackend builds the container-app template's backend, a static
// program that keeps a counter in memory.
func compileBackend(t *testing.T, out string) {
	t.Helper()
	src := t.TempDir()
	testfs.CopyTree(t, filepath.Join("..", "..", "templates", "container-app", "backend"), src)
	if err := os.Rename(filepath.Join(src, "_go.mod"), filepath.Join(src, "go.mod")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compile the backend: %v\n%s", err, b)
	}
}

// removeAppImages removes the images valet built for app (labelled with it).
func removeAppImages(e *engine.Engine, app string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := e.Client().ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", engine.LabelApp+"="+app)})
	if err != nil {
		return
	}
	for _, img := range list.Items {
		_ = e.RemoveImage(ctx, img.ID, true)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
