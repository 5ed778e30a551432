package config

import (
	"strings"
	"testing"
)

func TestTOMLPositions(t *testing.T) {
	src := `name = "app" # comment
"main" = 'src/index.ts'
description = """
multi
line"""

[dev]
port = "8787"

[[migrations]]
tag = "v1"
new_classes = ["A", "B", "C", "D"]

[[durable_objects.bindings]]
name = "A"
class_name = "A"

[[durable_objects.bindings]]
name = "B-B"
clas_name = "B"

[env.staging]
durable_objects.bindings = [
  { name = "C", class_name = "C" },
  { name = "D", class_nme = "D" },
]
vars = { "x.y" = 1, Z = [true, "s"] }
dev.port = 1
`
	_, diags, err := Parse("wrangler.toml", []byte(src))
	if err == nil {
		t.Fatal("want errors")
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	want := []string{
		"wrangler.toml:3:1: unknown key \"description\"\n    hint: see .valet/valet.schema.json (written by valet types) for the valid keys here",
		"wrangler.toml:8:8: dev.port: expected integer, got string \"8787\"\n    hint: remove the quotes: 8787",
		"wrangler.toml:18:1: durable_objects.bindings[1]: missing required key \"class_name\"\n    hint: the exported class of the worker that implements the Durable Object, e.g. \"class_name\": \"Container\"",
		"wrangler.toml:19:8: durable_objects.bindings[1].name: \"B-B\" is not a valid JavaScript identifier\n    hint: use letters, digits, _ and $, not starting with a digit, e.g. \"B_B\"",
		"wrangler.toml:20:1: durable_objects.bindings[1]: unknown key \"clas_name\"\n    hint: did you mean \"class_name\"?",
		"wrangler.toml:25:3: env.staging.durable_objects.bindings[1]: missing required key \"class_name\"\n    hint: the exported class of the worker that implements the Durable Object, e.g. \"class_name\": \"Container\"",
		"wrangler.toml:25:17: env.staging.durable_objects.bindings[1]: unknown key \"class_nme\"\n    hint: did you mean \"class_name\"?",
		"wrangler.toml:27:10: warning: env.staging.vars.x.y: \"x.y\" is not a valid JavaScript identifier\n    hint: use letters, digits, _ and $, not starting with a digit, e.g. \"x_y\"; otherwise the worker must read it as env[\"x.y\"]",
		"wrangler.toml:28:1: warning: env.staging: \"dev\" is only read at the top level; it is ignored here\n    hint: move it to the top level",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTOMLValues(t *testing.T) {
	c, diags, err := Parse("wrangler.toml", readFixture(t, "toml/wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 {
		t.Errorf("diags = %v", diags)
	}
	if c.CompatibilityDate != "2025-04-01" {
		t.Errorf("an unquoted TOML date: compatibility_date = %q", c.CompatibilityDate)
	}
	if c.Vars["MAX_ROOMS"] != 10.0 || c.Vars["FEATURES"].(map[string]any)["video call"] != false {
		t.Errorf("vars = %#v", c.Vars)
	}
	st := c.Env["staging"]
	if st.Name != "chat-next" || len(st.DurableObjects.Bindings) != 2 || st.DurableObjects.Bindings[1].ClassName != "RateLimiter" || st.Containers[0].MaxInstances != 1 {
		t.Errorf("env.staging = %+v", st)
	}
}

func TestTOMLSyntaxError(t *testing.T) {
	_, diags, err := Parse("wrangler.toml", []byte("name = \"app\"\n[vars\nA = 1\n"))
	// The TOML parser places this one at the start of the next line.
	if err == nil || len(diags) != 1 || diags[0].Line < 2 {
		t.Fatalf("diags = %v", diags)
	}
	if !strings.HasPrefix(diags[0].Message, "invalid TOML: ") {
		t.Errorf("message = %q", diags[0].Message)
	}
}
