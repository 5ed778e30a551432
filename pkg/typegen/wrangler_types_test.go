package typegen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tailscale/hujson"

	"github.com/valet-dev/valet/pkg/config"
)

// envMembers returns the members of `interface Env` in a declaration file,
// by name, with their types ("?" dropped: valet makes fewer bindings
// optional than wrangler, on purpose, see generate).
func envMembers(t *testing.T, decl string) map[string]string {
	t.Helper()
	_, rest, ok := strings.Cut(decl, "\tinterface Env {\n")
	if !ok {
		t.Fatalf("no interface Env in:\n%s", decl)
	}
	body, _, _ := strings.Cut("\n"+rest, "\n\t}")
	out := map[string]string{}
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSuffix(strings.TrimSpace(line), ";")
		if line == "" {
			continue
		}
		name, typ, _ := strings.Cut(line, ": ")
		out[strings.Trim(strings.TrimSuffix(name, "?"), `"`)] = typ
	}
	return out
}

var processEnvKeys = regexp.MustCompile(`Pick<Cloudflare\.Env, ([^>]*)>`)

// processEnv returns the names process.env is typed with.
func processEnv(decl string) []string {
	m := processEnvKeys.FindStringSubmatch(decl)
	if m == nil {
		return nil
	}
	var out []string
	for _, k := range strings.Split(m[1], " | ") {
		out = append(out, strings.Trim(k, `"`))
	}
	slices.Sort(out)
	return out
}

// pendingBindings returns the names of the bindings a config declares
// under keys valet does not support yet (it warns about each): valet's
// types lack them until their kind lands.
func pendingBindings(t *testing.T, raw []byte, diags []config.Diagnostic) map[string]string {
	t.Helper()
	std, err := hujson.Standardize(raw)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(std, &doc); err != nil {
		t.Fatal(err)
	}
	unsupported := regexp.MustCompile(`wrangler key "([^"]+)" is not supported by valet yet`)
	out := map[string]string{}
	for _, d := range diags {
		m := unsupported.FindStringSubmatch(d.Message)
		if m == nil {
			continue
		}
		var v any = doc
		for _, part := range strings.Split(m[1], ".") {
			obj, _ := v.(map[string]any)
			v = obj[part]
		}
		key := m[1][strings.LastIndex(m[1], ".")+1:]
		for _, n := range bindingNames(v) {
			out[n] = key
		}
	}
	return out
}

// bindingNames finds the env names a binding key declares: "binding" or
// "name" of each entry, in a list, an object, or one level down
// (queues.producers, unsafe.bindings).
func bindingNames(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			out = append(out, bindingNames(e)...)
		}
	case map[string]any:
		for _, k := range []string{"binding", "name"} {
			if s, ok := v[k].(string); ok {
				return []string{s}
			}
		}
		for _, k := range []string{"producers", "bindings"} {
			out = append(out, bindingNames(v[k])...)
		}
	}
	return out
}

// inFlight are the binding keys valet may not support yet: kinds other
// branches implement (KV, D1, R2; Queues, Workflows, services) and the
// ones no branch does (dispatch namespaces, unsafe bindings). Every other
// kind must be typed.
var inFlight = map[string]bool{
	"kv_namespaces": true, "d1_databases": true, "r2_buckets": true,
	"queues": true, "workflows": true, "services": true,
	"dispatch_namespaces": true, "unsafe": true,
}

// TestWranglerTypes compares, binding by binding, what valet types writes
// with what wrangler types 4.86 wrote (testdata/typegen/record-wrangler-types.sh)
// for a config with every binding kind and for the 37 Cloudflare template
// configs. A binding of a kind valet does not support yet (its key is only
// a warning) is left out of valet's types and listed; every other one must
// have wrangler's type, and process.env wrangler's text bindings.
func TestWranglerTypes(t *testing.T) {
	dirs := []string{fixtureDir(t, "all-kinds")}
	templates, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "cloudflare-templates", "*", "wrangler-types.d.ts"))
	if len(templates) != 37 {
		t.Fatalf("%d recorded template types, want 37", len(templates))
	}
	for _, f := range templates {
		dirs = append(dirs, filepath.Dir(f))
	}
	pendingKinds := map[string]int{}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var name string
			var raw []byte
			for _, name = range []string{"wrangler.jsonc", "wrangler.json"} {
				var err error
				if raw, err = os.ReadFile(filepath.Join(dir, name)); err == nil {
					break
				}
			}
			c, diags, err := config.Parse(name, raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Generate(Options{Config: c, ConfigDir: dir, ConfigRaw: raw, OmitRuntime: true})
			if err != nil {
				t.Fatal(err)
			}
			wantDecl, err := os.ReadFile(filepath.Join(dir, "wrangler-types.d.ts"))
			if err != nil {
				t.Fatal(err)
			}
			want, have := envMembers(t, string(wantDecl)), envMembers(t, string(got))
			pending := pendingBindings(t, raw, diags)
			for n, typ := range want {
				switch {
				case have[n] == typ:
				case sameJSON(have[n], typ):
					// An object var: the same type, its keys in another
					// order (valet decodes JSON objects into Go maps, and
					// writes their keys sorted; wrangler keeps the file's).
					t.Logf("%s: %s, keys in another order than wrangler's %s", n, have[n], typ)
				case have[n] == "" && pending[n] != "" && !inFlight[pending[n]]:
					t.Errorf("%s (%s): valet does not type %s bindings", n, typ, pending[n])
				case have[n] == "" && pending[n] != "":
					pendingKinds[pending[n]]++
					t.Logf("%s (%s): %s pending: valet does not support %s yet", n, typ, pending[n], pending[n])
				default:
					t.Errorf("%s: valet types writes %q, wrangler types %q", n, have[n], typ)
				}
			}
			for n, typ := range have {
				if _, ok := want[n]; !ok {
					t.Errorf("%s: valet types writes %q, wrangler types has no such binding", n, typ)
				}
			}
			var wantText []string
			for _, n := range processEnv(string(wantDecl)) {
				if pending[n] == "" {
					wantText = append(wantText, n)
				}
			}
			if g := processEnv(string(got)); !slices.Equal(g, wantText) {
				t.Errorf("process.env is typed with %q, wrangler types: %q", g, wantText)
			}
		})
	}
	t.Logf("bindings of kinds not supported yet, by key: %v", pendingKinds)
}

// sameJSON reports whether two literal types are the same JSON value.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
