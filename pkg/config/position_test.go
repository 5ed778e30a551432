package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPosition(t *testing.T) {
	for name, tc := range map[string]struct {
		file, text, env string
		paths           []string
		want            string
	}{
		"jsonc value": {"wrangler.jsonc", "{\n  \"name\": \"x\",\n  \"durable_objects\": { \"bindings\": [\n    { \"name\": \"A\", \"class_name\": \"Foo\" }\n  ] }\n}\n",
			"", []string{"durable_objects.bindings[0].class_name"}, "wrangler.jsonc:4:34"},
		"object at its key": {"wrangler.jsonc", "{\n  \"name\": \"x\",\n  \"exports\": {\n    \"Room\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\n  }\n}\n",
			"", []string{"exports.Room"}, "wrangler.jsonc:4:5"},
		"first path held": {"wrangler.jsonc", "{\n  \"name\": \"x\"\n}\n", "", []string{"containers[0].class_name", "name"}, "wrangler.jsonc:2:11"},
		"none":            {"wrangler.jsonc", "{ \"name\": \"x\" }", "", []string{"main"}, ""},
		"environment first": {"wrangler.jsonc", "{\n  \"name\": \"x\",\n  \"vars\": { \"A\": \"1\" },\n  \"env\": { \"dev\": {\n    \"vars\": { \"A\": \"2\" }\n  } }\n}\n",
			"dev", []string{"vars.A"}, "wrangler.jsonc:5:20"},
		"toml": {"wrangler.toml", "name = \"x\"\n\n[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"Foo\"\n",
			"", []string{"durable_objects.bindings[0].class_name"}, "wrangler.toml:5:14"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := Load(LoadOptions{Dir: dir, Env: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Position(tc.paths...); got != tc.want {
				t.Errorf("Position(%q) = %q, want %q", tc.paths, got, tc.want)
			}
		})
	}
}
