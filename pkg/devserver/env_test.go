package devserver

import (
	"path/filepath"
	"testing"
)

// TestEnvHoldsOnlyTheAppsBindings: the worker and its Durable Objects see
// in env the bindings the config declares, and nothing of valet's own (its
// bridge to the container manager is a binding of the worker too), as
// under wrangler dev: Object.keys and JSON.stringify list only those.
func TestEnvHoldsOnlyTheAppsBindings(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "valet.jsonc"), `{
  "name": "env-keys",
  "main": "worker.js",
  "compatibility_date": "2025-06-01",
  "vars": { "GREETING": "hello" },
  "durable_objects": { "bindings": [{ "name": "BOX", "class_name": "Box" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Box"] }]
}`)
	write(t, filepath.Join(dir, "worker.js"), `import { DurableObject } from "cloudflare:workers";
const keys = (env) => Object.keys(env).sort().join(",") + " " + Object.keys(JSON.parse(JSON.stringify(env))).sort().join(",");
export class Box extends DurableObject {
  fetch() { return new Response(keys(this.env)); }
}
export default {
  fetch(request, env) {
    if (new URL(request.url).pathname === "/object") return env.BOX.getByName("one").fetch(request);
    return new Response(keys(env));
  },
};
`)
	s := startDev(t, dir)
	for _, path := range []string{"/worker", "/object"} {
		if code, body := get(t, s.url+path); code != 200 || body != "BOX,GREETING BOX,GREETING" {
			t.Errorf("GET %s: %d %q, want the declared bindings only", path, code, body)
		}
	}
}
