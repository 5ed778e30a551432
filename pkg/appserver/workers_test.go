package appserver

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

const counterClass = `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async add() { const n = ((await this.ctx.storage.get("n")) ?? 0) + 1; await this.ctx.storage.put("n", n); return n; }
}
`

// severalWorkers is the app's version with a second worker beside it:
// each has a Counter class, a secret TOKEN and vars of its own.
func severalWorkers() Version {
	do := func() *config.DurableObjects {
		return &config.DurableObjects{Bindings: []config.DurableObjectBinding{{Name: "C", ClassName: "Counter"}}}
	}
	return Version{
		Config: &config.Config{Name: "app", CompatibilityDate: "2025-06-01", DurableObjects: do(),
			Services: []config.ServiceBinding{{Binding: "API", Service: "api"}, {Binding: "GONE", Service: "gone"}}},
		Script: []byte(counterClass + `export default {
  async fetch(req, env) {
    const api = await env.API.fetch("http://api/");
    const gone = await env.GONE.fetch("http://gone/");
    return Response.json({ app: await env.C.getByName("x").add(), token: env.TOKEN, api: await api.json(), gone: [gone.status, await gone.text()] });
  },
};
`),
		Exports: []string{"default", "Counter"},
		Secrets: map[string]string{"TOKEN": "app's"},
		Others: []Version{{
			Config: &config.Config{Name: "api", CompatibilityDate: "2025-06-01", DurableObjects: do(), Vars: map[string]any{"ROLE": "api"}},
			Script: []byte(counterClass + `export default {
  async fetch(req, env) { return Response.json({ n: await env.C.getByName("x").add(), token: env.TOKEN, role: env.ROLE }); },
};
`),
			Exports: []string{"default", "Counter"},
			Secrets: map[string]string{"TOKEN": "api's"},
		}},
	}
}

type severalAnswer struct {
	App   int    `json:"app"`
	Token string `json:"token"`
	API   struct {
		N     int    `json:"n"`
		Token string `json:"token"`
		Role  string `json:"role"`
	} `json:"api"`
	Gone []any `json:"gone"`
}

func askSeveral(t *testing.T, app *App) severalAnswer {
	t.Helper()
	rec := httptest.NewRecorder()
	app.Edge.Worker.ServeHTTP(rec, httptest.NewRequest("GET", "http://app/", nil))
	var a severalAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("GET / = %d %s", rec.Code, rec.Body)
	}
	return a
}

// One version runs the app's worker and another in one workerd: each with
// its own secrets, vars and Durable Objects (a class of the same name
// stored apart), the app's reaching the other through a service binding;
// a worker not run answers as wrangler dev's does. A second version on
// the same storage sees each worker's objects where they were.
func TestSeveralWorkersInOneProcess(t *testing.T) {
	bin := workerdtest.Binary(t)
	persist := t.TempDir()
	opts := Options{Dev: true, Events: events.NewEmitter(&events.Recorder{}), Workerd: bin, RunDir: t.TempDir(), PersistTo: persist}
	app, err := New(context.Background(), severalWorkers(), opts)
	if err != nil {
		t.Fatal(err)
	}
	a := askSeveral(t, app)
	if a.App != 1 || a.Token != "app's" || a.API.N != 1 || a.API.Token != "api's" || a.API.Role != "api" {
		t.Errorf("first answer %+v", a)
	}
	if len(a.Gone) != 2 || a.Gone[0] != float64(503) || a.Gone[1] != `Worker "gone" not found. Make sure it is running locally.` {
		t.Errorf("a worker not run answers %v", a.Gone)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	app, err = New(context.Background(), severalWorkers(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if a := askSeveral(t, app); a.App != 2 || a.API.N != 2 {
		t.Errorf("after a restart %+v", a)
	}
}

// Two workers cannot share a name (their services, and what binds them).
func TestSeveralWorkersOneName(t *testing.T) {
	v := severalWorkers()
	v.Others[0].Config.Name = "app"
	_, err := New(context.Background(), v, Options{Events: events.NewEmitter(&events.Recorder{}), Workerd: "workerd", RunDir: t.TempDir()})
	if err == nil || err.Error() != `two workers are named "app": give each config its own name` {
		t.Errorf("err = %v", err)
	}
}
