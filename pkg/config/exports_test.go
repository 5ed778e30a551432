package config

import (
	"slices"
	"strings"
	"testing"
)

func TestExportsAttachContainer(t *testing.T) {
	src := `{
	"name": "app", "main": "src/index.ts", "compatibility_date": "2025-04-03",
	"containers": [{"image": "./Dockerfile", "name": "box", "max_instances": 2}],
	"exports": {
		"Box": {"type": "durable-object", "storage": "sqlite", "container": "box"},
		"Counter": {"type": "durable-object", "storage": "sqlite"},
		"Old": {"type": "durable-object", "state": "deleted"},
		"Legacy": {"type": "durable-object", "state": "renamed", "renamed_to": "Counter"},
		"Api": {"type": "worker"}
	},
	"durable_objects": {"bindings": [{"name": "COUNTER", "class_name": "Counter"}]}
}`
	c, diags, err := Parse("wrangler.jsonc", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(diags) != 0 {
		t.Errorf("diagnostics: %v", diags)
	}
	if got := c.Containers[0].ClassName; got != "Box" {
		t.Errorf("container class = %q, want Box (from exports.Box.container)", got)
	}
	if got := c.ExportedClasses(); !slices.Equal(got, []string{"Box", "Counter"}) {
		t.Errorf("ExportedClasses = %v", got)
	}
}

func TestExportsInheritedByEnv(t *testing.T) {
	src := `{
	"name": "app", "compatibility_date": "2025-04-03",
	"containers": [{"image": "./Dockerfile", "name": "box"}],
	"exports": {"Box": {"type": "durable-object", "storage": "sqlite", "container": "box"}},
	"env": {"staging": {"containers": [{"image": "./Dockerfile", "name": "box"}]}}
}`
	c, _, err := Parse("wrangler.jsonc", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	r, err := Resolve(c, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Containers[0].ClassName; got != "Box" {
		t.Errorf("staging container class = %q, want Box", got)
	}
}

func TestExportsErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown container", `{"containers": [{"image": "x", "name": "a"}],
			"exports": {"Box": {"type": "durable-object", "storage": "sqlite", "container": "b"}}}`,
			`exports.Box.container: no container is named "b"`},
		{"no class either way", `{"containers": [{"image": "x", "name": "a"}]}`,
			`containers[0]: missing required key "class_name"`},
		{"attached twice", `{"containers": [{"image": "x", "name": "a", "class_name": "Other"}],
			"durable_objects": {"bindings": [{"name": "O", "class_name": "Other"}]},
			"exports": {"Box": {"type": "durable-object", "storage": "sqlite", "container": "a"}, "Other": {"type": "durable-object", "storage": "sqlite"}}}`,
			`is attached to class "Other" here and to "Box" by exports`},
		{"storage missing", `{"exports": {"Box": {"type": "durable-object"}}}`,
			`exports.Box: missing required key "storage"`},
		{"with migrations", `{"migrations": [{"tag": "v1", "new_sqlite_classes": ["A"]}],
			"exports": {"Box": {"type": "durable-object", "storage": "sqlite"}}}`,
			`exports declares Durable Objects and migrations exist too`},
		{"binding not exported", `{"durable_objects": {"bindings": [{"name": "A", "class_name": "A"}]},
			"exports": {"Box": {"type": "durable-object", "storage": "sqlite"}}}`,
			`class "A" is not declared in exports`},
		{"bad type", `{"exports": {"Box": {"type": "durable_object", "storage": "sqlite"}}}`,
			`exports.Box.type: "durable_object" is not an allowed value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("wrangler.jsonc", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// Duplicate migration tags run under wrangler dev; only a deploy refuses them.
func TestDuplicateMigrationTagWarns(t *testing.T) {
	src := `{"durable_objects": {"bindings": [{"name": "A", "class_name": "A"}, {"name": "B", "class_name": "B"}]},
		"migrations": [{"tag": "v1", "new_sqlite_classes": ["A"]}, {"tag": "v1", "new_sqlite_classes": ["B"]}]}`
	_, diags, err := Parse("wrangler.jsonc", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(diags) != 1 || diags[0].Severity != SeverityWarning || !strings.Contains(diags[0].Message, `"v1" is already used`) {
		t.Errorf("diagnostics = %v", diags)
	}
}
