package devserver

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/engine/enginetest"
	"github.com/valet-dev/valet/pkg/internal/testfs"
)

// A Durable Object that starts its container and reaches its port at once,
// with no retry (bench/durable.sh's worker does the same).
const portRightAfterStartWorker = `import { DurableObject } from "cloudflare:workers";

export class Box extends DurableObject {
  async fetch(request) {
    const c = this.ctx.container;
    if (!c.running) c.start();
    return c.getTcpPort(3210).fetch(request.url);
  }
}

export default {
  fetch(request, env) {
    return env.BOX.getByName(new URL(request.url).searchParams.get("n")).fetch(request);
  },
};
`

// TestContainerPortRightAfterStart: ctx.container.start() reports running
// at once, as workerd's does, so a getTcpPort().fetch() made right after it
// reaches the container (valet waits for the port) and never fails with
// "Container is not running" because it overtook the start on its way to
// valet. Each new object is a first start.
func TestContainerPortRightAfterStart(t *testing.T) {
	e := enginetest.Connect(t)
	t.Setenv("DOCKER_HOST", e.Host())
	dir := t.TempDir()
	name := fmt.Sprintf("portstart-%d", time.Now().UnixNano())
	testfs.WriteFile(t, filepath.Join(dir, "valet.jsonc"), fmt.Sprintf(`{
  "name": %q,
  "main": "worker.js",
  "compatibility_date": "2025-06-01",
  "containers": [{ "class_name": "Box", "image": "./Dockerfile", "max_instances": 3 }],
  "durable_objects": { "bindings": [{ "name": "BOX", "class_name": "Box" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Box"] }]
}`, name))
	testfs.WriteFile(t, filepath.Join(dir, "Dockerfile"), "FROM scratch\nCOPY server /server\nEXPOSE 3210\nENTRYPOINT [\"/server\"]\n")
	testfs.WriteFile(t, filepath.Join(dir, "worker.js"), portRightAfterStartWorker)
	compileBackend(t, filepath.Join(dir, "server"))
	t.Cleanup(func() { removeAppImages(e, name) })

	s := startDevWith(t, dir, Options{})
	for i := range 3 {
		res, err := http.Get(fmt.Sprintf("%s/api/counter?n=object%d", s.url, i))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("object %d, first request: %d %s", i, res.StatusCode, body)
		}
	}
}
