package config

import (
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, name, src string) (*Config, []Diagnostic) {
	t.Helper()
	c, diags, err := Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c, diags
}

func TestDecodeVarsAcceptJSONValues(t *testing.T) {
	c, _ := mustParse(t, "valet.jsonc", `{
		// comments and trailing commas are fine
		"vars": {"S": "x", "N": 3, "F": 1.5, "B": true, "O": {"a": [1, "b"]}, "A": [1, 2], "Z": null,},
	}`)
	want := map[string]any{"S": "x", "N": 3.0, "F": 1.5, "B": true,
		"O": map[string]any{"a": []any{1.0, "b"}}, "A": []any{1.0, 2.0}, "Z": nil}
	if !reflect.DeepEqual(c.Vars, want) {
		t.Errorf("vars = %#v\nwant %#v", c.Vars, want)
	}
}

func TestDecodeCustomTypes(t *testing.T) {
	tests := []struct {
		src   string
		rwf   RunWorkerFirst
		watch StringList
	}{
		{`{"main": "w.js", "assets": {"run_worker_first": true}, "build": {"watch_dir": "src"}}`, RunWorkerFirst{All: true}, StringList{"src"}},
		{`{"main": "w.js", "assets": {"run_worker_first": false}, "build": {"watch_dir": ["a", "b"]}}`, RunWorkerFirst{}, StringList{"a", "b"}},
		{`{"main": "w.js", "assets": {"run_worker_first": ["/api/*", "!/api/docs"]}, "build": {"watch_dir": []}}`, RunWorkerFirst{Routes: []string{"/api/*", "!/api/docs"}}, StringList{}},
		{`{"main": "w.js", "assets": {"run_worker_first": null}, "build": {"watch_dir": null}}`, RunWorkerFirst{}, nil},
	}
	for _, tt := range tests {
		c, _ := mustParse(t, "valet.json", tt.src)
		if !reflect.DeepEqual(c.Assets.RunWorkerFirst, tt.rwf) || !reflect.DeepEqual(c.Build.WatchDir, tt.watch) {
			t.Errorf("%s: got %+v %#v", tt.src, c.Assets.RunWorkerFirst, c.Build.WatchDir)
		}
	}
}

func TestDecodeNumbers(t *testing.T) {
	c, _ := mustParse(t, "valet.jsonc", `{"dev": {"port": 8.787e3}, "observability": {"head_sampling_rate": 0.25}}`)
	if c.Dev.Port != 8787 || c.Observability.HeadSamplingRate != 0.25 {
		t.Errorf("dev = %+v, observability = %+v", c.Dev, c.Observability)
	}
	for src, want := range map[string]string{
		`{"dev": {"port": 1e400}}`:                     "dev.port: expected integer, got number 1e400",
		`{"containers": [{"max_instances": 1e19}]}`:    "containers[0].max_instances: expected integer, got number 1e19",
		`{"observability": {"head_sampling_rate": 2}}`: "observability.head_sampling_rate: 2 is out of range",
	} {
		_, diags, _ := Parse("v.jsonc", []byte(src))
		if len(diags) == 0 || !strings.Contains(diags[len(diags)-1].Message, want) {
			t.Errorf("%s: diags = %v, want %q", src, diags, want)
		}
	}
}

func TestDecodeUnicodePositions(t *testing.T) {
	// Columns count characters, not bytes.
	_, diags, _ := Parse("v.jsonc", []byte("{\"name\": \"ü\", \"x\": 1}"))
	if len(diags) != 1 || diags[0].Line != 1 || diags[0].Col != 15 {
		t.Errorf("diags = %+v, want 1:15", diags)
	}
	_, diags, _ = Parse("v.jsonc", []byte("\xef\xbb\xbf{\"name\": 1}"))
	if len(diags) != 1 || diags[0].Col != 10 {
		t.Errorf("after a BOM: diags = %+v, want column 10", diags)
	}
}

func TestDecodeEscapedStrings(t *testing.T) {
	c, _ := mustParse(t, "v.jsonc", `{"name": "a\"b\u00e9", "vars": {"K\n": "\t"}}`)
	if c.Name != "a\"bé" || c.Vars["K\n"] != "\t" {
		t.Errorf("name = %q, vars = %q", c.Name, c.Vars)
	}
}

func TestDecodeEmptyAndNull(t *testing.T) {
	for _, src := range []string{`{}`, `{"assets": null, "vars": null, "containers": null, "name": null}`} {
		c, diags := mustParse(t, "v.jsonc", src)
		if len(diags) != 0 || c.Assets != nil || c.Vars != nil || c.Name != "" {
			t.Errorf("%s: %+v %v", src, c, diags)
		}
	}
	for _, name := range []string{"v.jsonc", "v.json"} {
		_, diags, err := Parse(name, []byte("  \n"))
		if err == nil || diags[0].String() != name+":1:1: the config file is empty\n    hint: write a JSON object such as {\"name\": \"my-app\"}, or run valet init" {
			t.Errorf("empty %s: %v", name, diags)
		}
	}
	if c, diags := mustParse(t, "wrangler.toml", ""); len(diags) != 0 || c == nil {
		t.Errorf("empty TOML: %v", diags)
	}
}

func TestDecodeEnvSections(t *testing.T) {
	_, diags, _ := Parse("v.jsonc", []byte(`{
  "env": {
    "staging": { "nmae": "x", "vars": { "A": [] }, "vectorize": [] },
    "broken": 3
  }
}`))
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := []string{
		"v.jsonc:3:18: env.staging: unknown key \"nmae\"\n    hint: did you mean \"name\"?",
		"v.jsonc:3:52: warning: wrangler key \"env.staging.vectorize\" is not supported by valet yet; it is ignored",
		"v.jsonc:4:15: env.broken: expected object, got number 3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEnvRefsPointAtTheEnv(t *testing.T) {
	// A binding an environment declares is checked against the migrations
	// it inherits, and reported inside the environment.
	_, diags, _ := Parse("v.jsonc", []byte(`{
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }],
  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },
  "env": { "dev": {
    "durable_objects": { "bindings": [{ "name": "LOBBY", "class_name": "Lobby" }] },
    "containers": [{ "class_name": "Room", "image": "./Dockerfile" }]
  } }
}`))
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := []string{
		"v.jsonc:5:72: env.dev.durable_objects.bindings[0].class_name: class \"Lobby\" is not created by any migration\n    hint: add {\"tag\": \"v2\", \"new_sqlite_classes\": [\"Lobby\"]} to migrations",
		"v.jsonc:6:36: env.dev.containers[0].class_name: class \"Room\" has no Durable Object binding\n    hint: add {\"name\": \"ROOM\", \"class_name\": \"Room\"} to durable_objects.bindings",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
