package appserver

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/events"
	"github.com/valet-dev/valet/pkg/workerd/workerdtest"
)

// request.cf goes to a version whose code names cf, in any of its workers
// (a request handed to another worker keeps its cf), and not to one whose
// code never does: what such code sees of it is only a name built at run
// time, which the answers below read.
func TestRequestCFGoesToCodeThatNamesIt(t *testing.T) {
	bin := workerdtest.Binary(t)
	// unseen reads request.cf without naming it.
	const unseen = `const colo = (r) => String(r[["c", "f"].join("")]?.colo);`
	app := func(s string) []byte {
		return []byte(unseen + "\nexport default { async fetch(r, env) { " + s + " } };\n")
	}
	const cf = `{"colo":"DFW","country":"US"}`
	for _, tc := range []struct {
		name string
		v    Version
		want string
	}{
		{"named by the app", Version{Script: app(`return new Response(colo(r) + " " + r.cf.country);`)}, "DFW US"},
		{"named in a comment only", Version{Script: app("\n    // r.cf is the colo\n    return new Response(colo(r));")}, "undefined"},
		{"never named", Version{Script: app(`return new Response(colo(r));`)}, "undefined"},
		{"named by the worker it hands the request to", Version{
			Script: app(`return env.API.fetch(r);`),
			Others: []Version{{
				Config:  &config.Config{Name: "api", CompatibilityDate: "2025-06-01"},
				Script:  []byte(`export default { fetch(r) { return new Response(String(r.cf.colo)); } };`),
				Exports: []string{"default"},
			}},
		}, "DFW"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			v.Config = &config.Config{Name: "app", CompatibilityDate: "2025-06-01"}
			if len(v.Others) > 0 {
				v.Config.Services = []config.ServiceBinding{{Binding: "API", Service: "api"}}
			}
			v.Exports = []string{"default"}
			a, err := New(context.Background(), v, Options{Dev: true, Events: events.NewEmitter(&events.Recorder{}),
				Workerd: bin, RunDir: t.TempDir(), CF: cf})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			rec := httptest.NewRecorder()
			a.Edge.Worker.ServeHTTP(rec, httptest.NewRequest("GET", "http://app/", nil))
			if got := rec.Body.String(); rec.Code != 200 || got != tc.want {
				t.Errorf("GET / = %d %q, want 200 %q", rec.Code, got, tc.want)
			}
		})
	}
}
