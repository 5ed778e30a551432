package config

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestSchemaIsCurrent fails when the Go types changed but the committed
// schema was not regenerated.
func TestSchemaIsCurrent(t *testing.T) {
	want, err := GenerateSchema()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Schema(), want) {
		t.Fatal("schema/valet.schema.json is stale: run go generate ./pkg/config")
	}
}

func TestSchemaShape(t *testing.T) {
	var s struct {
		Ref  string `json:"$ref"`
		Defs map[string]struct {
			Properties           map[string]json.RawMessage `json:"properties"`
			Required             []string                   `json:"required"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
			OneOf                []map[string]any           `json:"oneOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Ref != "#/$defs/Config" {
		t.Errorf("$ref = %q", s.Ref)
	}
	cfg := s.Defs["Config"]
	for _, k := range []string{"name", "main", "compatibility_date", "containers", "durable_objects", "frontend", "deploy", "env", "kv_namespaces"} {
		if _, ok := cfg.Properties[k]; !ok {
			t.Errorf("Config has no property %q", k)
		}
	}
	if cfg.AdditionalProperties == nil || *cfg.AdditionalProperties {
		t.Error("Config must reject unknown keys (additionalProperties: false)")
	}
	// class_name is optional: exports.<Class>.container may name the
	// container instead, as in wrangler.
	if got := s.Defs["Container"].Required; len(got) != 1 || got[0] != "image" {
		t.Errorf("Container.required = %v, want image", got)
	}
	for _, name := range []string{"RunWorkerFirst", "StringList"} {
		if len(s.Defs[name].OneOf) != 2 {
			t.Errorf("%s: oneOf = %v, want both forms", name, s.Defs[name].OneOf)
		}
	}
}
