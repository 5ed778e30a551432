package appserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/edge"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// objectsConfig binds the Durable Object class Thing.
func objectsConfig() *config.Config {
	return &config.Config{
		Name: "objs", CompatibilityDate: "2025-06-01",
		DurableObjects: &config.DurableObjects{Bindings: []config.DurableObjectBinding{{Name: "THING", ClassName: "Thing"}}},
	}
}

// startVersion runs script as one version sharing objects and storage dir.
func startVersion(t *testing.T, script, dir string, objects *workerd.Objects) (*App, string) {
	t.Helper()
	app, err := New(context.Background(), Version{Config: objectsConfig(), Script: []byte(script), Exports: []string{"default", "Thing"}},
		Options{Events: events.NewEmitter(nil), Workerd: workerdtest.Binary(t), RunDir: t.TempDir(), PersistTo: dir, Objects: objects})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	srv := httptest.NewServer(edge.New(app.Edge))
	t.Cleanup(srv.Close)
	return app, srv.URL
}

func body(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// The user's constructor's blockConcurrencyWhile completes before the
// object's first event, as in workerd without valet's facade.
func TestConstructorBlocksFirstEvent(t *testing.T) {
	_, url := startVersion(t, `import { DurableObject } from "cloudflare:workers";
export class Thing extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.state = "constructing";
    ctx.blockConcurrencyWhile(async () => {
      await ctx.storage.put("x", 1);
      await new Promise((r) => setTimeout(r, 20));
      this.state = "loaded " + (await ctx.storage.get("x"));
    });
  }
  fetch() { return new Response(this.state); }
}
export default { fetch(req, env) { return env.THING.getByName("a").fetch(req); } };
`, t.TempDir(), nil)
	if got := body(t, url+"/"); got != "loaded 1" {
		t.Fatalf("first event saw %q, want the constructor's blockConcurrencyWhile done", got)
	}
}
